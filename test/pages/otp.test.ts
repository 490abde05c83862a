import type { Browser, Page } from 'playwright-core';
import type { DealHarness } from '../support/deal-harness';
import { activateWallet, bindPhone, createLink, eventually, lastMessage, type Party, orderRow } from '../support/deal-steps';
import { collectPageErrors, describeWithChromium, expectText, phoneContext, screenshot } from './browser';
import { pagesSuite, type PagesSite } from './site';

describeWithChromium('the OTP step of the payment page', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  pagesSuite((started) => ({ h, site, browser } = started));

  async function buyerAtOtp(): Promise<{ page: Page; buyer: Party; paymentCode: string; errors: string[] }> {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller);
    await activateWallet(h, buyer);
    await bindPhone(h, buyer);
    const link = await createLink(h, seller, { name: 'Linen scarf', unitPriceMinor: 800, quantity: 1 });
    const page = await (await phoneContext(browser, buyer.token)).newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}?lang=en`);
    await page.getByRole('textbox', { name: 'Dynamic password', exact: true }).fill(link.dynamicPassword);
    await page.getByRole('button', { name: 'Check password' }).click();
    await page.getByRole('button', { name: 'Pay by card' }).click();
    await page.waitForSelector('#otp-step:not([hidden])');
    await eventually(async () => lastMessage(h, buyer.userId, 'otp') !== undefined);
    return { page, buyer, paymentCode: link.paymentCode, errors };
  }

  /** The provider's hosted card form (zh-TW: the session's language). */
  async function payOnHostedPage(page: Page, cardNumber: string): Promise<void> {
    await page.getByLabel('卡號').fill(cardNumber);
    await page.getByLabel('有效期限(MM/YY)').fill('12/34');
    await page.getByLabel('安全碼').fill('123');
    await page.getByRole('button', { name: /付款/ }).click();
  }

  const otpBox = (page: Page) => page.getByRole('textbox', { name: '6-digit verification code', exact: true });

  it('shows a wrong code and a malformed code next to the field, and a double submit is one request', async () => {
    const { page, buyer, paymentCode, errors } = await buyerAtOtp();
    const otp: string = lastMessage(h, buyer.userId, 'otp').otp;

    await otpBox(page).fill('12345');
    await page.getByRole('button', { name: 'Pay now' }).click();
    await expectText(page, '#otp-otp-error', /6 digits/);

    const wrong = otp === '000000' ? '111111' : '000000';
    await otpBox(page).fill(wrong);
    await page.getByRole('button', { name: 'Pay now' }).click();
    await expectText(page, '#otp-otp-error', /^Wrong code\. \d+ tries left\.$/);
    expect(await page.getAttribute('#otp-otp', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('otp-otp');
    expect(h.chat.kindsTo(buyer.userId)).toContain('payment_failed');
    await screenshot(page, 'pay-otp-wrong');

    // Two submissions in the same tick: the second is dropped while the first is under way.
    const otpPosts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/otp')) otpPosts.push(r.headers()['idempotency-key']);
    });
    await otpBox(page).fill(otp);
    await page.evaluate(() => {
      const form = document.getElementById('otp-form') as HTMLFormElement;
      form.requestSubmit();
      form.requestSubmit();
    });
    await page.waitForURL(/\/checkout\/cs_/);
    expect(otpPosts).toHaveLength(1);
    expect(otpPosts[0]).toMatch(/^[\w-]{8,}$/);
    await payOnHostedPage(page, '4242 4242 4242 4242');
    await page.waitForURL(/\/return\?session_id=cs_/);
    await eventually(async () => (await orderRow(h, paymentCode)).state === 'escrow');
    expect(errors).toEqual([]);
  });

  it('a card declined at the provider brings the buyer back with the reason; a new code and another card pay', async () => {
    const { page, buyer, paymentCode, errors } = await buyerAtOtp();
    await otpBox(page).fill(lastMessage(h, buyer.userId, 'otp').otp);
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.waitForURL(/\/checkout\/cs_/);
    await payOnHostedPage(page, '4000 0000 0000 0002');
    await page.click('#back'); // the provider's failure page leads back to our return page
    // Our return page (the provider sends no language back: zh-TW, our default) says it was not paid.
    await expectText(page, '#return-outcome', /還沒收到這筆付款/);
    await page.goto(`${site.baseUrl}/pages/pay/${paymentCode}?lang=en`);
    await expectText(page, '#card-form [data-form-error]', /did not go through/);
    await screenshot(page, 'pay-declined');

    const before = h.chat.messagesTo(buyer.userId).filter((m) => m.kind === 'otp').length;
    await page.getByRole('button', { name: 'Pay by card' }).click();
    await page.waitForSelector('#otp-step:not([hidden])');
    // "Send a new code" issues another one; only the newest is accepted.
    await page.getByRole('button', { name: 'Send a new code' }).click();
    await expectText(page, '#status', /A new code is on its way/);
    await eventually(async () => h.chat.messagesTo(buyer.userId).filter((m) => m.kind === 'otp').length >= before + 2);
    await otpBox(page).fill(lastMessage(h, buyer.userId, 'otp').otp);
    await page.getByRole('button', { name: 'Pay now' }).click();
    await page.waitForURL(/\/checkout\/cs_/);
    await payOnHostedPage(page, '4242 4242 4242 4242');
    await page.waitForURL(/\/return\?session_id=cs_/);
    await page.click('#to-payment');
    await page.waitForSelector('#decision-forms:not([hidden])', { timeout: 30_000 });
    expect((await orderRow(h, paymentCode)).state).toBe('escrow');
    expect(errors).toEqual([]);
  });
});
