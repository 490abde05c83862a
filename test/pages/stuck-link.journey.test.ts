import type { Browser, Page } from 'playwright-core';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { STRINGS } from '../../src/line/render';
import { messages } from '../../src/pages/i18n';
import { activateWallet, eventually, lastMessage, orderRow } from '../support/deal-steps';
import type { LineDealHarness } from '../line-webhook/harness';
import { startJourneyHarness } from '../journeys/harness';
import { type ChatSimulator, chatShot, newChatUser, openChatSimulator, sees, tap, type } from '../journeys/simulator';
import { describeWithChromium, expectText, launchBrowser, phoneContext, screenshot } from './browser';

/**
 * Journey "stuck links" (issue 10), in real Chromium: the seller sells from the chat simulator,
 * nobody takes the link, and after LINK_EXPIRY_MS (a short setting here, no time travel) the
 * seller is told in the chat; the link page then says the link expired to a buyer who opens it,
 * and a buyer whose page was opened before (a phone asleep: its page missed the updates) and who
 * now types the password is refused, with the page saying why. And a link the seller withdraws
 * from the chat before anyone took it: its page says so. Screenshots go to
 * test-artifacts/screenshots/journey-stuck-link-*.png.
 */
const LINK_EXPIRY_MS = 25_000;
const zh = MENU_TEXTS['zh-TW'];
const cards = STRINGS['zh-TW'];
const pageText = messages('zh-TW');

describeWithChromium('journey: a link nobody takes expires; the seller is told, buyers are refused', () => {
  let h: LineDealHarness;
  let browser: Browser;
  let sim: ChatSimulator;
  beforeAll(async () => {
    h = await startJourneyHarness({ LINK_EXPIRY_MS: String(LINK_EXPIRY_MS) });
    browser = await launchBrowser();
    sim = await openChatSimulator(browser, h);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function payPage(token: string, paymentCode: string): Promise<Page> {
    const page = await (await phoneContext(browser, token)).newPage();
    page.on('pageerror', (err) => sim.errors.push(`${page.url()}: ${err.message}`));
    await page.clock.install(); // lets the early buyer's phone fall asleep below; runs at real time until then
    await page.goto(`${h.baseUrl}/pages/pay/${paymentCode}`);
    return page;
  }

  /** A seller with an active wallet sells from the chat in NT$; the link card arrives. */
  async function sellFromChat(sale: string) {
    const seller = await newChatUser(h, sim.seller());
    await activateWallet(h, seller);
    await type(sim.seller(), sale);
    await sees(sim.seller(), '請選擇幣別');
    await tap(sim.seller(), zh.currencyLabel.TWD);
    await sees(sim.seller(), cards.title.link_created);
    const created = lastMessage(h, seller.userId, 'link_created');
    const paymentCode = String(created.paymentUrl).split('/').pop()!;
    const transactionCode: string = created.product.transactionCode;
    return { seller, paymentCode, transactionCode, dynamicPassword: String(created.dynamicPassword) };
  }

  it('sells in the chat; nobody pays; the seller is told it expired; the page says so and a late attempt is refused', async () => {
    // The seller's first sale is its own journey: here the wallet is active already.
    const { seller, paymentCode, transactionCode, dynamicPassword } = await sellFromChat('賣 650 1 復古檯燈');
    await chatShot(sim.seller(), 'journey-stuck-link-1-link-card');

    // A buyer opens the shared link while it is live, then puts the phone away: its timers stop.
    const early = await h.newUser();
    const asleep = await payPage(early.token, paymentCode);
    await asleep.getByRole('textbox', { name: pageText['pay.password.label'], exact: true }).waitFor();
    await asleep.clock.pauseAt(Date.now() + 500);

    // Nobody took it: the seller is told in the chat, in their language, with the product and the code.
    const told = await sees(sim.seller(), cards.title.link_expired, LINK_EXPIRY_MS + 30_000);
    expect(await told.textContent()).toContain(transactionCode);
    expect(await told.textContent()).toContain('復古檯燈');
    expect(await told.textContent()).toContain(`${LINK_EXPIRY_MS / 1000} 秒內沒有買方付款`); // the setting, not "1 day"
    expect((await orderRow(h, paymentCode)).state).toBe('expired');
    await chatShot(sim.seller(), 'journey-stuck-link-2-seller-told');

    // A buyer who opens the link now is told it expired; there is nothing to type.
    const late = await h.newUser();
    const fresh = await payPage(late.token, paymentCode);
    await expectText(fresh, '#notice [data-notice-text]', new RegExp(escaped(pageText['pay.outcome.link_expired'])));
    expect(await fresh.isHidden('#password-step')).toBe(true);
    await screenshot(fresh, 'journey-stuck-link-3-link-expired');

    // The sleeping phone still shows the password form: the attempt is refused, and the page says why.
    const refused = asleep.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/payment-requests'));
    const reloaded = refused.then(() =>
      asleep.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith(`/api/orders/${paymentCode}`)),
    );
    await asleep.getByRole('textbox', { name: pageText['pay.password.label'], exact: true }).fill(dynamicPassword);
    await asleep.getByRole('button', { name: pageText['pay.password.submit'] }).click();
    const answer = await refused;
    expect(answer.status()).toBe(409);
    expect(await answer.json()).toMatchObject({ state: 'expired', detail: expect.stringContaining('expired') });
    await reloaded; // the page asked again because of the refusal: its own polls are asleep
    await asleep.clock.resume();
    await expectText(asleep, '#notice [data-notice-text]', new RegExp(escaped(pageText['pay.outcome.link_expired'])));
    expect(await asleep.isHidden('#password-step')).toBe(true);
    await screenshot(asleep, 'journey-stuck-link-4-late-attempt-refused');

    // Nobody was attributed, no money moved, and the chat told nobody else.
    expect((await orderRow(h, paymentCode)).buyer_id).toBeNull();
    await eventually(async () => lastMessage(h, seller.userId, 'link_expired') !== undefined);
    expect(h.chat.messagesTo(early.userId)).toEqual([]);
    expect(h.chat.messagesTo(late.userId)).toEqual([]);
    expect(sim.errors).toEqual([]);
  }, 180_000);

  it('the seller withdraws an unclaimed link from the chat; the link page says so and a payment request is refused', async () => {
    const { paymentCode, transactionCode, dynamicPassword } = await sellFromChat('賣 300 1 舊漫畫');
    await type(sim.seller(), '取消');
    await sees(sim.seller(), zh.cancelChoose);
    await tap(sim.seller(), zh.cancelButton(transactionCode));
    await sees(sim.seller(), zh.cancelled(transactionCode));
    await eventually(async () => (await orderRow(h, paymentCode)).state === 'cancelled');

    const buyer = await h.newUser();
    const page = await payPage(buyer.token, paymentCode);
    await expectText(page, '#notice [data-notice-text]', new RegExp(escaped(pageText['pay.outcome.cancelled'])));
    expect(await page.isHidden('#password-step')).toBe(true);
    await screenshot(page, 'journey-stuck-link-5-withdrawn');
    const attempt = await h.call('POST', `/api/orders/${paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: dynamicPassword,
    });
    expect(attempt.status).toBe(409);
    expect(attempt.body).toMatchObject({ state: 'cancelled', detail: 'the seller withdrew this payment link' });
    expect(sim.errors).toEqual([]);
  });
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
