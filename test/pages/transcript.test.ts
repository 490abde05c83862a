import type { Browser, Page } from 'playwright-core';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, type Link, type Party } from '../support/deal-steps';
import {
  collectPageErrors,
  describeWithChromium,
  expectImageLoaded,
  expectText,
  launchBrowser,
  phoneContext,
  screenshot,
  screenshotOf,
} from './browser';
import { startPagesSite, type PagesSite } from './site';

/**
 * S203 "transaction info (… chat screenshot)" on the party's own page: after payment the pay
 * page shows the chat record — our messages to the buyer and the seller as chat bubbles, in the
 * page's language, pictures from our own origin under the page's CSP.
 */
describeWithChromium('the chat record on the deal page', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  let seller: Party;
  let buyer: Party;
  let link: Link;

  beforeAll(async () => {
    h = await startDealHarness();
    site = await startPagesSite(h.baseUrl);
    browser = await launchBrowser();
    seller = await h.newUser();
    await activateWallet(h, seller);
    ({ link, buyer } = await dealInEscrow(h, seller, { name: '底片相機', unitPriceMinor: 4200, quantity: 2, description: '快門已保養' }));
    await eventually(
      async () =>
        (await h.knex('chat_deliveries').where('retry_key', 'like', `order:${link.paymentCode}:%`).andWhere({ kind: 'stage_one' }))
          .length === 2,
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await h?.close();
  });

  /** The page, with what its scripts threw and any CSP refusal the browser reported. */
  async function open(party: Party, query = ''): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await phoneContext(browser, party.token);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) errors.push(msg.text());
    });
    await page.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}${query}`);
    await page.waitForSelector('#transcript:not([hidden]) #transcript-list li', { timeout: 30_000 });
    return { page, errors, close: () => context.close() };
  }

  it('the buyer sees both parties’ messages as bubbles in zh-TW, the QR picture loaded, buttons as labels; a new step joins without a reload', async () => {
    const { page, errors, close } = await open(buyer);
    await expectText(page, '#transcript-h', /^對話紀錄$/);
    const bubbles = page.locator('#transcript-list li');
    const headers = await page.locator('#transcript-list header').allTextContents();
    expect(headers.some((x) => x.includes('傳給您(買家)'))).toBe(true);
    expect(headers.some((x) => x.includes('傳給賣家'))).toBe(true);

    const mine = bubbles.filter({ has: page.locator('[data-kind="stage_one"][data-role="buyer"]') });
    await expect(mine.locator('strong').textContent()).resolves.toBe('款項已進入履約保證');
    await expect(mine.textContent()).resolves.toMatch(/底片相機[\s\S]*快門已保養/);
    expect(await mine.locator('.chip').allTextContents()).toEqual(expect.arrayContaining(['同意撥款', '提出異議']));
    await expectImageLoaded(page, '#transcript-list [data-kind="stage_one"][data-role="buyer"] img');
    expect(await mine.locator('img').getAttribute('alt')).toBe('訊息中的圖片');
    // Their own payment info is there; no code anywhere.
    expect(await page.locator('#transcript-list [data-kind="payment_info"]').count()).toBe(1);
    expect(await page.locator('#transcript-list').textContent()).not.toContain(link.dynamicPassword);

    await screenshotOf(page.locator('#transcript'), 'transcript-buyer');
    await screenshot(page, 'transcript-buyer-page');

    // A new step's messages join the record without a reload: the buyer disputes on this page.
    await page.getByRole('textbox', { name: '爭議原因', exact: true }).fill('鏡頭有刮痕');
    await page.getByRole('button', { name: '提出爭議' }).click();
    await page.waitForSelector('#transcript-list [data-kind="dispute_opened"][data-role="buyer"]', { timeout: 20_000 });
    await expectText(page, '#transcript-list [data-kind="dispute_opened"][data-role="seller"]', /鏡頭有刮痕/);
    expect(errors).toEqual([]);
    await close();
  });

  it('the seller reads the same deal in English, without the buyer’s payment info', async () => {
    const { page, errors, close } = await open(seller, '?lang=en');
    await expectText(page, '#transcript-h', /^Chat record$/);
    const headers = await page.locator('#transcript-list header').allTextContents();
    expect(headers.some((x) => x.includes('to you (seller)'))).toBe(true);
    expect(headers.some((x) => x.includes('to the buyer'))).toBe(true);
    await expectText(page, '#transcript-list [data-kind="stage_one"][data-role="seller"] strong', /^Payment held in escrow$/);
    expect(await page.locator('#transcript-list [data-kind="payment_info"]').count()).toBe(0);
    await screenshotOf(page.locator('#transcript'), 'transcript-seller-en');
    expect(errors).toEqual([]);
    await close();
  });
});
