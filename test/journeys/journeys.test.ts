import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { MENU_TEXTS } from '../../src/line/webhook/menu-texts';
import { STRINGS } from '../../src/line/render';
import { svgToPng } from '../../src/media/svg';
import { photoSourceFor } from '../../src/media/photos';
import { bindPhone, createLink, eventually, lastMessage, orderRow, payThroughOtp, type Party } from '../support/deal-steps';
import type { LineDealHarness } from '../line-webhook/harness';
import { describeWithChromium, expectImageLoaded, expectText, launchBrowser, phoneContext, screenshot } from '../pages/browser';
import { startJourneyHarness } from './harness';
import {
  type ChatSimulator,
  chatShot as shotOf,
  newChatUser as newUserIn,
  open as openFrom,
  openChatSimulator,
  sees,
  tap,
  type,
} from './simulator';

/**
 * Issue 10's journeys as a person walks them, in real Chromium: the chat simulator (LINE
 * emulator: typed texts, taps, a photo, a sticker) on one side, our pages opened from the chat's
 * buttons on the other (the simulator hands the tab the user's LINE ID token, as LIFF would).
 * Screenshots land in test-artifacts/screenshots/journey-*.png.
 */
const zh = MENU_TEXTS['zh-TW'];
const cards = STRINGS['zh-TW'];
/** The bank verification center emulator's registered account (src/emulators/bankcenter). */
const ACCOUNT = { bankCode: '812', accountNumber: '00012345678901', holderName: 'Wang Xiao Ming', verificationCode: '123456' };

describeWithChromium("issue 10's journeys, from the first chat message to the last", () => {
  let h: LineDealHarness;
  let browser: Browser;
  let sim: ChatSimulator;
  let context: BrowserContext;
  let chat: Page;
  let errors: string[];
  beforeAll(async () => {
    h = await startJourneyHarness();
    browser = await launchBrowser();
    sim = await openChatSimulator(browser, h);
    ({ context, page: chat, errors } = sim);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  afterEach(() => {
    expect(errors).toEqual([]);
  });

  const seller = () => sim.seller();
  const buyer = () => sim.buyer();
  const newChatUser = (side: Locator) => newUserIn(h, side);
  const open = (side: Locator, label: string) => openFrom(side, label, errors);
  const chatShot = (name: string, side: Locator = seller()) => shotOf(side, name);

  it("seller's first sale: sell, photo, description, currency, wallet activation, link card; an unclaimed link cancelled", async () => {
    const s = await newChatUser(seller());
    await type(seller(), '賣 1200 1 二手相機');
    await sees(seller(), '請選擇幣別');
    const photo = svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360"><rect width="480" height="360" fill="#2d3e50"/>' +
        '<rect x="110" y="110" width="260" height="170" rx="18" fill="#95a5a6"/><circle cx="240" cy="195" r="62" fill="#1b2631"/>' +
        '<circle cx="240" cy="195" r="40" fill="#5dade2"/><rect x="150" y="85" width="70" height="30" rx="6" fill="#95a5a6"/></svg>',
    );
    await seller().locator('input.photo').setInputFiles({ name: 'camera.png', mimeType: 'image/png', buffer: photo });
    await sees(seller(), zh.photoAdded);
    await type(seller(), 'Canon AE-1,附 50mm 鏡頭,功能正常');
    await sees(seller(), zh.descriptionAdded);
    await tap(seller(), zh.currencyLabel.TWD);
    await sees(seller(), zh.saleWaitsForWallet);
    await sees(seller(), cards.title.wallet_activation_request);
    await chatShot('journey-first-sale-1-chat');

    const wallet = await open(seller(), cards.button.activateWallet);
    await eventually(async () => lastMessage(h, s.userId, 'wallet_activation_request') !== undefined);
    await wallet
      .getByRole('textbox', { name: '6 位數驗證碼', exact: true })
      .fill(lastMessage(h, s.userId, 'wallet_activation_request').verificationCode);
    await wallet.getByRole('button', { name: '啟用電子錢包' }).click();
    await expectText(wallet, '#notice', /電子錢包已啟用/);
    await screenshot(wallet, 'journey-first-sale-2-wallet-activated');
    await wallet.close();

    // No second `sell`: the link card arrives once the wallet is active, with the watermarked photo.
    await sees(seller(), cards.title.link_created);
    const created = lastMessage(h, s.userId, 'link_created');
    expect(created.product).toMatchObject({ productName: '二手相機', totalMinor: 1200, currency: 'TWD' });
    expect(await photoSourceFor(h.knex)(created.product.transactionCode)).not.toBeNull();
    await chatShot('journey-first-sale-3-link-card');

    const picture = await context.newPage();
    await picture.setViewportSize({ width: 800, height: 800 });
    await picture.goto(`${h.baseUrl}/media/watermark/${created.product.transactionCode}.png?name=${encodeURIComponent('二手相機')}`);
    await screenshot(picture, 'journey-first-sale-4-watermarked-photo');
    await picture.close();

    await type(seller(), '取消');
    await sees(seller(), zh.cancelChoose);
    await tap(seller(), zh.cancelButton(created.product.transactionCode));
    await sees(seller(), zh.cancelled(created.product.transactionCode));
    await eventually(async () => (await orderRow(h, String(created.paymentUrl).split('/').pop()!)).state === 'cancelled');
    await chatShot('journey-first-sale-5-cancelled');
  });

  it('seller gets paid: stage two links to the wallet; withdraw from the page (bank account first) and from the chat; both payouts pushed to the chat', async () => {
    const s = await newChatUser(seller());
    const b = await newChatUser(buyer());
    for (const party of [s, b]) {
      const started = await h.call('POST', '/api/wallet/activation', party.token);
      expect(started.status).toBe(202);
      await eventually(async () => lastMessage(h, party.userId, 'wallet_activation_request') !== undefined);
      const code = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode;
      expect((await h.call('POST', '/api/wallet/verification', party.token, { code })).body.outcome).toBe('activated');
    }
    await bindPhone(h, b);
    const link = await createLink(h, s, { name: '手作茶杯', unitPriceMinor: 600, quantity: 2, currency: 'TWD' });
    await payThroughOtp(h, b, link);
    await sees(buyer(), cards.title.stage_one);
    const agreed = await h.call(
      'POST',
      `/api/orders/${link.paymentCode}/decision`,
      b.token,
      { decision: 'agree' },
      { 'idempotency-key': 'journey-agree' },
    );
    expect(agreed.status).toBeLessThan(300);

    await sees(seller(), cards.title.stage_two);
    await chatShot('journey-paid-1-stage-two');
    const wallet = await open(seller(), cards.button.myWallet);
    // What the seller got: the total less the platform fee the deal booked (the seller pays it by default).
    const settled = await h.knex('orders').where({ payment_code: link.paymentCode }).first();
    const feeMinor = Number(settled?.fee_minor);
    expect(feeMinor).toBeGreaterThan(0);
    await expectText(wallet, '#balance-rows tr[data-currency="TWD"] td', new RegExp((1200 - feeMinor).toLocaleString('en-US')));
    await screenshot(wallet, 'journey-paid-2-wallet');

    // Withdraw on the page: no bank account yet, so the page sends the seller to register one.
    await wallet.getByRole('textbox', { name: '提領金額', exact: true }).fill('500');
    await wallet.getByRole('button', { name: '提領', exact: true }).click();
    await expectText(wallet, '#notice', /銀行帳戶/);
    await wallet.getByRole('link', { name: '登記銀行帳戶' }).click();
    await wallet.waitForURL(/\/pages\/bank/);
    await wallet.getByRole('textbox', { name: '銀行代碼', exact: true }).fill(ACCOUNT.bankCode);
    await wallet.getByRole('textbox', { name: '帳號', exact: true }).fill(ACCOUNT.accountNumber);
    await wallet.getByRole('textbox', { name: '戶名', exact: true }).fill(ACCOUNT.holderName);
    await wallet.getByRole('textbox', { name: '帳戶驗證碼', exact: true }).fill(ACCOUNT.verificationCode);
    await wallet.getByRole('button', { name: '驗證並產生收款身分碼' }).click();
    await expectText(wallet, '#receiving-account', /8901/);
    await screenshot(wallet, 'journey-paid-3-bank-account');
    await wallet.getByRole('link', { name: '回到錢包提領' }).click();
    await wallet.waitForURL(/\/pages\/wallet/);
    await wallet.getByRole('textbox', { name: '提領金額', exact: true }).fill('500');
    await wallet.getByRole('button', { name: '提領', exact: true }).click();
    await expectText(wallet, '#payout-status', /已匯款 .*500/);
    await sees(seller(), cards.title.payout_sent);

    // The rest from the chat: one tap on the amount the chat offers.
    await type(seller(), '提領');
    await sees(seller(), zh.withdrawButton(''));
    await tap(seller(), zh.withdrawButton(''));
    await sees(seller(), zh.withdrawStarted('').split(' ')[0]!);
    await eventually(async () => (await h.knex('payouts').where({ user_id: s.userId, state: 'paid' })).length === 2);
    await chatShot('journey-paid-4-chat-withdrawn');

    await wallet.reload();
    await wallet.locator('#movement-list li[data-kind="payout"]').nth(1).waitFor();
    expect(await wallet.locator('#movement-list li[data-kind="deal_release"]').count()).toBe(1);
    await expectText(wallet, '#balance-rows tr[data-currency="TWD"] td', /^\D*0$/);
    await screenshot(wallet, 'journey-paid-5-movements');
    await wallet.close();
  });

  it('find my deals: "my deals" from the chat opens the list; a deal opens its page', async () => {
    const s = await newChatUser(seller());
    const started = await h.call('POST', '/api/wallet/activation', s.token);
    expect(started.status).toBe(202);
    await eventually(async () => lastMessage(h, s.userId, 'wallet_activation_request') !== undefined);
    const code = lastMessage(h, s.userId, 'wallet_activation_request').verificationCode;
    await h.call('POST', '/api/wallet/verification', s.token, { code });
    const first = await createLink(h, s, { name: '黑膠唱片', unitPriceMinor: 800, quantity: 1, currency: 'TWD' });
    await createLink(h, s, { name: 'Film camera strap', unitPriceMinor: 15, quantity: 2, currency: 'USD' });

    await type(seller(), '我的交易');
    await sees(seller(), zh.myDealsTitle);
    await chatShot('journey-deals-1-chat');
    const list = await open(seller(), zh.openMyDeals);
    await list.locator('#deal-list li').nth(1).waitFor();
    await expectText(list, '#deal-list li:last-child .deal-title', /黑膠唱片/);
    await expectText(list, '#deal-list li:first-child .deal-state', /等待買方/);
    await screenshot(list, 'journey-deals-2-list');
    await list.locator('#deal-list li:last-child a').click();
    await list.waitForURL(new RegExp(`/pages/pay/${first.paymentCode}`));
    await list.close();
  });

  it('anything typed: a sticker, unknown words, the language, a verification code and a TX code each get an answer with the menu', async () => {
    const u = await newChatUser(seller());
    await seller().locator('button.sticker').click();
    await sees(seller(), zh.sticker);
    await type(seller(), '你好,請問怎麼用?');
    await sees(seller(), zh.notUnderstood);
    await tap(seller(), zh.quick.myDeals);
    await sees(seller(), zh.myDealsNone);
    await type(seller(), '123456');
    await sees(seller(), zh.verificationCodeWhere.nowhere);
    await type(seller(), 'tx-abcd-efgh');
    await sees(seller(), zh.transactionNotFound('TX-ABCD-EFGH'));
    await chatShot('journey-typed-1-zh');
    await tap(seller(), 'English');
    await sees(seller(), MENU_TEXTS.en.languageSet);
    await type(seller(), 'wallet');
    await sees(seller(), MENU_TEXTS.en.walletInactive);
    await type(seller(), 'help');
    await sees(seller(), '• my deals');
    await chatShot('journey-typed-2-en');
    expect((await h.knex('users').where({ user_id: u.userId }).first())?.language).toBe('en');
  });

  it('bind request: a buyer who blocked us is shown the add-friend link and QR on the pay page, which carries on after the follow', async () => {
    const activate = async (party: Party) => {
      expect((await h.call('POST', '/api/wallet/activation', party.token)).status).toBe(202);
      await eventually(async () => lastMessage(h, party.userId, 'wallet_activation_request') !== undefined);
      const code = lastMessage(h, party.userId, 'wallet_activation_request').verificationCode;
      expect((await h.call('POST', '/api/wallet/verification', party.token, { code })).body.outcome).toBe('activated');
    };
    const s = await h.newUser();
    const b = await h.newUser();
    await activate(s);
    await activate(b);
    await bindPhone(h, b);
    const link = await createLink(h, s, { name: '露營燈', unitPriceMinor: 990, quantity: 1, currency: 'TWD' });
    await chat.reload();
    await buyer().locator('select.users').selectOption(b.userId);
    await buyer().locator('button.unfollow').click();
    await eventually(async () => (await h.knex('users').where({ user_id: b.userId }).first())?.is_friend === false);

    const phone = await phoneContext(browser, b.token);
    const pay = await phone.newPage();
    pay.on('pageerror', (err) => errors.push(`${pay.url()}: ${err.message}`));
    await pay.goto(`${h.baseUrl}/pages/pay/${link.paymentCode}`);
    await pay.getByRole('textbox', { name: '動態密碼', exact: true }).fill(link.dynamicPassword);
    await pay.keyboard.press('Enter');
    await expectText(pay, '#notice [data-notice-text]', /好友/);
    expect(await pay.getAttribute('#notice [data-notice-link]', 'href')).toBe(h.settings.line.addFriendUrl);
    await expectImageLoaded(pay, '#add-friend-qr');
    await screenshot(pay, 'journey-bind-1-add-friend');

    await buyer().locator('button.follow').click(); // the buyer adds us in LINE
    await pay.waitForSelector('#payment-step:not([hidden])', { timeout: 30_000 });
    expect(await pay.isHidden('#add-friend-qr')).toBe(true);
    await screenshot(pay, 'journey-bind-2-resumed');
    await phone.close();
  });
});
