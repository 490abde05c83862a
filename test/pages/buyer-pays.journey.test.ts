import type { Browser, Locator, Page } from 'playwright-core';
import { escrowAccountId, walletAccountId } from '../../src/domain/ids';
import { activateWallet, eventually, lastMessage, orderRow, smsCodeSentTo, uniquePhone } from '../support/deal-steps';
import { startLineDealHarness, type LineDealHarness } from '../line-webhook/harness';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { svgToPng } from '../../src/media/svg';
import { collectPageErrors, describeWithChromium, expectText, launchBrowser, phoneContext, screenshot, screenshotOf } from './browser';

/** The seller's photo of the cup (a drawing, as a phone would send a PNG). */
const CUP_PHOTO = svgToPng(
  '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360"><rect width="480" height="360" fill="#f3e9dc"/>' +
    '<path d="M150 110 h160 l-14 150 a20 20 0 0 1 -20 18 h-92 a20 20 0 0 1 -20 -18 z" fill="#5b8c85"/>' +
    '<path d="M310 140 a40 40 0 0 1 0 80" fill="none" stroke="#5b8c85" stroke-width="16"/>' +
    '<ellipse cx="230" cy="290" rx="130" ry="14" fill="#c9b79c"/></svg>',
);

/**
 * Journey "buyer pays" (issue 10), in real Chromium: the seller sells from the chat simulator
 * (LINE emulator, signed webhooks), the buyer opens the shared link on a phone, types the dynamic
 * password once, is sent to activate the wallet and bind a phone and comes back to where they
 * were, sees the ATM account the provider issued, pays by card at the provider's hosted checkout
 * (with the issuer's 3-D-Secure-like challenge), comes back to our pages, and agrees from the chat
 * with a confirmation. Screenshots go to test-artifacts/screenshots/journey-buyer-pays-*.png.
 */
describeWithChromium('journey: the buyer pays, from the first chat message to the release', () => {
  let h: LineDealHarness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startLineDealHarness();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  /** One side of the simulator (Seller or Buyer), showing this user. */
  async function simulatorSide(page: Page, index: number, userId: string): Promise<Locator> {
    const side = page.locator('.side').nth(index);
    await side.locator('select.users').selectOption(userId);
    return side;
  }

  it('sells in the chat; the buyer pays by card at the hosted checkout and agrees in the chat', async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller); // the seller's first sale is its own journey

    // The chat simulator: the seller types the sale; the link card arrives (no "Pay now" on the seller's own card).
    const chat = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'zh-TW' })).newPage();
    const chatErrors = collectPageErrors(chat);
    await chat.goto(`${h.baseUrl}/pages/simulator`);
    const sellerSide = await simulatorSide(chat, 0, seller.userId);
    const buyerSide = await simulatorSide(chat, 1, buyer.userId);
    await sellerSide.locator('input.text').fill('賣 900 1 手作茶杯');
    await sellerSide.locator('form button').click();
    // A photo of the cup: buyers see it under the watermark, on the link card and at stage one.
    await sellerSide.locator('.log .msg', { hasText: '請選擇幣別' }).waitFor({ timeout: 15_000 });
    await sellerSide.locator('input.photo').setInputFiles({ name: 'cup.png', mimeType: 'image/png', buffer: CUP_PHOTO });
    await sellerSide.locator('.log .msg', { hasText: MENU_TEXTS['zh-TW'].photoAdded }).waitFor({ timeout: 15_000 });
    // The sale asks for its currency (a quick reply).
    const twd = sellerSide.locator('.log .msg button', { hasText: MENU_TEXTS['zh-TW'].currencyLabel.TWD }).last();
    await twd.waitFor({ timeout: 15_000 });
    await twd.click();
    const card = sellerSide.locator('.log .msg.card', { hasText: '付款連結已建立' });
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('button', { hasText: '立即付款' }).count()).toBe(0);
    await screenshot(chat, 'journey-buyer-pays-1-seller-link');
    const created = lastMessage(h, seller.userId, 'link_created');
    const paymentCode = String(created.paymentUrl).split('/').pop()!;

    // The buyer opens the shared link on a phone and types the dynamic password, once.
    const phone = await (await phoneContext(browser, buyer.token)).newPage();
    const errors = collectPageErrors(phone);
    const passwordPosts: string[] = [];
    phone.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/payment-requests')) passwordPosts.push(r.url());
    });
    await phone.goto(`${h.baseUrl}/pages/pay/${paymentCode}`);
    await phone.getByRole('textbox', { name: '動態密碼', exact: true }).fill(created.dynamicPassword);
    await phone.getByRole('button', { name: '確認密碼' }).click();

    // Wallet activation: the code arrives in the buyer's chat.
    await expectText(phone, '#notice', /啟用您的電子錢包/);
    await screenshot(phone, 'journey-buyer-pays-2-wallet-needed');
    await phone.click('#notice [data-notice-link]');
    await phone.waitForURL(/\/pages\/wallet/);
    await eventually(async () => lastMessage(h, buyer.userId, 'wallet_activation_request') !== undefined);
    const walletCode: string = lastMessage(h, buyer.userId, 'wallet_activation_request').verificationCode;
    await buyerSide.locator('.log .msg', { hasText: walletCode }).waitFor({ timeout: 15_000 });
    await screenshot(chat, 'journey-buyer-pays-3-wallet-code-in-chat');
    await phone.getByRole('textbox', { name: '6 位數驗證碼', exact: true }).fill(walletCode);
    await phone.getByRole('button', { name: '啟用電子錢包' }).click();
    await expectText(phone, '#notice', /電子錢包已啟用/);
    await phone.click('#notice [data-notice-link]'); // back to the payment

    // Back on the pay page: it resumes by itself (no password typed again) and asks for a phone.
    await expectText(phone, '#notice', /綁定一支手機號碼/);
    await phone.click('#notice [data-notice-link]');
    await phone.waitForURL(/\/pages\/phone/);
    const number = uniquePhone();
    await phone.getByRole('textbox', { name: '手機號碼', exact: true }).fill(number);
    await phone.getByRole('button', { name: '傳送驗證碼' }).click();
    await expectText(phone, '#code-sent', /驗證碼已用簡訊傳送到/);
    await phone.getByRole('textbox', { name: '簡訊驗證碼', exact: true }).fill(await smsCodeSentTo(h, number));
    await phone.getByRole('button', { name: '完成綁定' }).click();
    await expectText(phone, '#notice', /已綁定手機號碼/);
    await phone.click('#notice [data-notice-link]');

    // The payment info: the ATM account the provider issued for this order, and the card.
    await phone.waitForSelector('#payment-step:not([hidden])', { timeout: 20_000 });
    expect(passwordPosts.length).toBeGreaterThanOrEqual(3); // typed once, re-sent by the page twice
    const session = [...h.payments.state.sessions.values()].find((r) => r.session.reference === paymentCode)!.session;
    await expectText(phone, '#atm-account-number', new RegExp(`^${session.virtualAccount!.accountNumber}$`));
    await screenshot(phone, 'journey-buyer-pays-4-payment-info');
    await buyerSide.locator('.log .msg', { hasText: session.virtualAccount!.accountNumber }).waitFor({ timeout: 15_000 });
    await screenshot(chat, 'journey-buyer-pays-5-payment-info-in-chat');
    await phone.getByRole('button', { name: '以信用卡付款' }).click();

    // Our OTP, from the chat.
    await phone.waitForSelector('#otp-step:not([hidden])');
    await eventually(async () => lastMessage(h, buyer.userId, 'otp') !== undefined);
    const otp: string = lastMessage(h, buyer.userId, 'otp').otp;
    await buyerSide.locator('.log .msg', { hasText: otp }).waitFor({ timeout: 15_000 });
    await phone.getByRole('textbox', { name: '6 位數付款驗證碼', exact: true }).fill(otp);
    await phone.getByRole('button', { name: '確認付款' }).click();

    // The provider's hosted card page, the issuer's challenge, and back.
    await phone.waitForURL(/\/checkout\/cs_/);
    await screenshot(phone, 'journey-buyer-pays-6-hosted-checkout');
    await phone.getByLabel('卡號').fill('4000 0000 0000 3220');
    await phone.getByLabel('有效期限(MM/YY)').fill('12/34');
    await phone.getByLabel('安全碼').fill('123');
    await phone.getByRole('button', { name: /付款/ }).click();
    await phone.waitForURL(/\/challenge$/);
    const challenge = (await phone.textContent('#one-time-code'))?.trim() ?? '';
    await screenshot(phone, 'journey-buyer-pays-7-3ds-challenge');
    await phone.getByLabel('一次性密碼').fill(challenge);
    await phone.getByRole('button', { name: '驗證' }).click();
    await phone.waitForURL(/\/pages\/pay\/[^/]+\/return\?session_id=cs_/);
    await expectText(phone, '#return-outcome', /付款已確認/);
    await screenshot(phone, 'journey-buyer-pays-8-return');
    await phone.click('#to-payment');
    await phone.waitForSelector('#decision-forms:not([hidden])', { timeout: 20_000 });
    await screenshot(phone, 'journey-buyer-pays-9-stage-one');

    // Stage one in the chat: the buyer's card has Agree, Dispute and Extend; the seller's none of them.
    const buyerStageOne = buyerSide.locator('.log .msg.card', { hasText: '款項已進入履約保證' });
    await buyerStageOne.waitFor({ timeout: 15_000 });
    const sellerStageOne = sellerSide.locator('.log .msg.card', { hasText: '款項已進入履約保證' });
    await sellerStageOne.waitFor({ timeout: 15_000 });
    expect(await sellerStageOne.locator('button', { hasText: '同意撥款' }).count()).toBe(0);
    expect(await buyerStageOne.locator('button', { hasText: '延長確認期限' }).count()).toBe(1);
    // S203 with the seller's photo as the picture (the link card's watermarked URL), the QR code
    // smaller below the facts, and the transaction code; to both parties.
    const tx: string = created.product.transactionCode;
    const linkCardPhoto = await buyerSide.locator('.log .msg.card', { hasText: '待付款資訊' }).locator('img.full').getAttribute('src');
    for (const stageOne of [buyerStageOne, sellerStageOne]) {
      const photo = stageOne.locator('img.full');
      expect(await photo.getAttribute('src')).toBe(linkCardPhoto);
      expect(new URL(linkCardPhoto!).pathname).toBe(`/media/watermark/${tx}.png`);
      expect(await stageOne.locator('img.sm').getAttribute('src')).toBe(`${h.baseUrl}/media/qr/${tx}.png`);
      await eventually(async () =>
        stageOne.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
      );
      expect(await stageOne.textContent()).toContain(tx);
    }
    // The whole card in one picture: a window tall enough that the chat log does not cut it.
    await chat.setViewportSize({ width: 1100, height: 2000 });
    for (const [stageOne, name] of [
      [buyerStageOne, 'journey-buyer-pays-9b-stage-one-card-buyer'],
      [sellerStageOne, 'journey-buyer-pays-9c-stage-one-card-seller'],
    ] as const) {
      await stageOne.scrollIntoViewIfNeeded();
      await screenshotOf(stageOne, name);
    }
    await chat.setViewportSize({ width: 1100, height: 900 });

    // Agree from the chat asks first; the quick reply confirms.
    await buyerStageOne.locator('button', { hasText: '同意撥款' }).click();
    const question = buyerSide.locator('.log .msg', { hasText: '確定要撥款' });
    await question.waitFor({ timeout: 15_000 });
    await screenshot(chat, 'journey-buyer-pays-10-agree-asks-first');
    expect((await orderRow(h, paymentCode)).state).toBe('escrow');
    await question.locator('button', { hasText: '確認撥款給賣家' }).click();
    await eventually(async () => (await orderRow(h, paymentCode)).state === 'completed', 20_000);
    await sellerSide.locator('.log .msg.card', { hasText: '交易完成,款項已撥付' }).waitFor({ timeout: 15_000 });
    await screenshot(chat, 'journey-buyer-pays-11-released');

    const wallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(wallet.creditsPostedMinor - wallet.debitsPostedMinor).toBe(900);
    const escrow = await h.ledger.balance(escrowAccountId(paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(0);
    expect(errors).toEqual([]);
    expect(chatErrors).toEqual([]);
  });
});
