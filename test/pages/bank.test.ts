import type { Browser, Page } from 'playwright-core';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { describeWithChromium, expectText, launchBrowser, phoneContext, screenshot, unlabelledControls } from './browser';
import { startPagesSite, type PagesSite } from './site';

/** The emulator's registered account (src/emulators/bankcenter DEFAULT_REGISTERED_ACCOUNTS). */
const ACCOUNT = { bankCode: '812', accountNumber: '00012345678901', holderName: 'Wang Xiao Ming', verificationCode: '123456' };

describeWithChromium('the bank-account verification page', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  let quickReceiveExists = false;
  beforeAll(async () => {
    h = await startDealHarness();
    site = await startPagesSite(h.baseUrl);
    browser = await launchBrowser();
    const probe = await h.call('POST', '/api/quick-receive', (await h.newUser()).token, {});
    quickReceiveExists = probe.status !== 404;
    if (!quickReceiveExists) console.warn('skipping the quick-receive flow: POST /api/quick-receive answers 404 on this api');
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
  });

  async function openAsNewUser(): Promise<Page> {
    const user = await h.newUser();
    const page = await (await phoneContext(browser, user.token)).newPage();
    await page.goto(`${site.baseUrl}/pages/bank?role=seller&lang=en`);
    return page;
  }

  async function fill(page: Page, values: typeof ACCOUNT): Promise<void> {
    await page.getByRole('textbox', { name: 'Bank code', exact: true }).fill(values.bankCode);
    await page.getByRole('textbox', { name: 'Account number', exact: true }).fill(values.accountNumber);
    await page.getByRole('textbox', { name: 'Account holder name', exact: true }).fill(values.holderName);
    await page.getByRole('textbox', { name: 'Account verification code', exact: true }).fill(values.verificationCode);
    await page.getByRole('button', { name: 'Verify and get my code' }).click();
  }

  it('shows the API’s field errors, a failed verification, and the receiving identity code', async () => {
    if (!quickReceiveExists) return;
    const page = await openAsNewUser();
    expect(await unlabelledControls(page)).toEqual([]);

    await fill(page, { ...ACCOUNT, bankCode: '81' });
    await expectText(page, '#bank-bankCode-error', /3 digits/);
    await screenshot(page, 'bank-invalid');

    await fill(page, { ...ACCOUNT, verificationCode: '999999' });
    await expectText(page, '#notice', /could not be verified.*verification code does not match/);

    const page2 = await openAsNewUser();
    await fill(page2, ACCOUNT);
    await expectText(page2, '#receiving-code', /\S{4,}/);
    await expectText(page2, '#receiving-account', /8901/);
    await screenshot(page2, 'bank-code');
  });

  it('says the function is unavailable, with the button off, when the api has no quick-receive', async () => {
    if (quickReceiveExists) return;
    const page = await openAsNewUser();
    await expectText(page, '#bank-form [data-form-error]', /not available/);
    expect(await page.isDisabled('#bank-form button[type=submit]')).toBe(true);
  });
});
