import type { Browser } from 'playwright-core';
import { walletAccountId } from '../../src/domain/ids';
import type { DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, eventually, lastMessage, smsCodeSentTo, orderRow, walletRow } from '../support/deal-steps';
import {
  collectPageErrors,
  describeWithChromium,
  expectImageLoaded,
  expectText,
  phoneContext,
  screenshot,
  unlabelledControls,
} from './browser';
import { pagesSuite, type PagesSite } from './site';

describeWithChromium('a whole deal through the pages in a phone-sized chromium', () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  pagesSuite((started) => ({ h, site, browser } = started));

  it('activates the wallet, binds a phone, pays with the OTP from the chat, sees stage one with the QR, agrees and sees stage two', async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: '手作茶杯', unitPriceMinor: 450, quantity: 2 });

    const context = await phoneContext(browser, buyer.token);
    const page = await context.newPage();
    const errors = collectPageErrors(page);

    // Wallet activation page: a wrong code first, then the one the chat delivered.
    await page.goto(`${site.baseUrl}/pages/wallet?role=buyer&order=${link.paymentCode}`);
    await page.getByRole('button', { name: '傳送驗證碼給我' }).click();
    await eventually(async () => lastMessage(h, buyer.userId, 'wallet_activation_request') !== undefined);
    const code: string = lastMessage(h, buyer.userId, 'wallet_activation_request').verificationCode;
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByRole('textbox', { name: '6 位數驗證碼', exact: true }).fill(wrong);
    await page.getByRole('button', { name: '啟用電子錢包' }).click();
    await expectText(page, '#code-code-error', /驗證碼錯誤,還可以再試 \d+ 次/);
    expect(await page.getAttribute('#code-code', 'aria-invalid')).toBe('true');
    await screenshot(page, 'wallet-wrong-code');
    await page.getByRole('textbox', { name: '6 位數驗證碼', exact: true }).fill(code);
    await page.getByRole('button', { name: '啟用電子錢包' }).click();
    await expectText(page, '#notice', /電子錢包已啟用/);
    expect(await page.getAttribute('#notice [data-notice-link]', 'href')).toBe(`/pages/pay/${link.paymentCode}`);
    expect((await walletRow(h, buyer.userId)).state).toBe('active');

    // Phone binding page.
    await page.goto(`${site.baseUrl}/pages/phone?order=${link.paymentCode}`);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByRole('textbox', { name: '手機號碼', exact: true }).fill('0912-345-678');
    await page.getByRole('button', { name: '傳送驗證碼' }).click();
    await expectText(page, '#code-sent', /驗證碼已用簡訊傳送到 .*5678/);
    await page.getByRole('textbox', { name: '簡訊驗證碼', exact: true }).fill(await smsCodeSentTo(h, '0912-345-678'));
    await page.getByRole('button', { name: '完成綁定' }).click();
    await expectText(page, '#notice', /已綁定手機號碼 .*678/);
    await screenshot(page, 'phone-bound');

    // Payment page: the dynamic password, by keyboard (Enter submits).
    await page.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}`);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'pay-password');
    await page.getByRole('textbox', { name: '動態密碼', exact: true }).focus();
    await page.keyboard.type(link.dynamicPassword);
    await page.keyboard.press('Enter');

    // Pending-payment info with the watermarked picture and the ATM account the provider issued; nothing about the card is typed here.
    await page.waitForSelector('#payment-step:not([hidden])');
    await expectText(page, '[data-fact="productName"]', /手作茶杯/);
    await expectText(page, '[data-fact="quantity"]', /^2$/);
    await expectText(page, '[data-fact="transactionCode"]', new RegExp(`^${link.transactionCode}$`));
    await expectText(page, '[data-fact="total"]', /900/);
    await expectImageLoaded(page, '#product-image');
    await expectText(page, '#atm-account-number', /^\d{14}$/);
    await screenshot(page, 'pay-payment-info');
    await page.getByRole('button', { name: '以信用卡付款' }).click();

    // OTP from the recorded chat.
    await page.waitForSelector('#otp-step:not([hidden])');
    await eventually(async () => lastMessage(h, buyer.userId, 'otp') !== undefined);
    await screenshot(page, 'pay-otp');
    await page.getByRole('textbox', { name: '6 位數付款驗證碼', exact: true }).fill(lastMessage(h, buyer.userId, 'otp').otp);
    await page.getByRole('button', { name: '確認付款' }).click();

    // The provider's hosted card page, then back to our return page, then the deal.
    await page.waitForURL(/\/checkout\/cs_/);
    await page.getByLabel('卡號').fill('4242 4242 4242 4242');
    await page.getByLabel('有效期限(MM/YY)').fill('12/34');
    await page.getByLabel('安全碼').fill('123');
    await page.getByRole('button', { name: /付款/ }).click();
    await page.waitForURL(/\/pages\/pay\/[^/]+\/return\?session_id=cs_/);
    await expectText(page, '#return-outcome', /付款已確認/);
    await page.click('#to-payment');

    // Stage one: progress, QR code, countdown, the buyer's decision.
    await page.waitForSelector('#progress:not([hidden])', { timeout: 30_000 });
    await page.waitForSelector('#decision-forms:not([hidden])', { timeout: 30_000 });
    expect(await page.getAttribute('[data-stage="one"]', 'data-status')).toBe('done');
    expect(await page.getAttribute('[data-stage="decision"]', 'data-status')).toBe('current');
    await expectText(page, '#countdown', /剩餘時間 \d\d:\d\d:\d\d/);
    await expectImageLoaded(page, '#qr-image');
    expect(await page.getAttribute('#qr-image', 'src')).toBe(`/media/qr/${link.transactionCode}.png`);
    await screenshot(page, 'pay-stage-one');

    // Visible focus on the agree button, then agree.
    const agree = page.getByRole('button', { name: '商品沒問題,同意撥款給賣家' });
    await agree.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await agree.evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth)).toBe('solid 3px');
    await agree.click();
    // Agree asks first: nothing is sent until the buyer confirms.
    await expectText(page, '#agree-confirm-q', /確定要撥款 NT\$900 給賣家嗎/);
    expect((await orderRow(h, link.paymentCode)).state).toBe('escrow');
    await screenshot(page, 'pay-agree-confirm');
    await page.getByRole('button', { name: '確認撥款給賣家' }).click();
    await page.waitForFunction(() => document.querySelector('[data-stage="two"]')?.getAttribute('data-status') === 'done', undefined, {
      timeout: 30_000,
    });
    await expectText(page, '#progress-outcome', /交易完成/);
    expect(await page.isHidden('#decision-forms')).toBe(true);
    await screenshot(page, 'pay-stage-two');

    const row = await orderRow(h, link.paymentCode);
    expect(row.state).toBe('completed');
    expect(Number(row.seller_paid_minor)).toBe(900);
    const wallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(wallet.creditsPostedMinor - wallet.debitsPostedMinor).toBe(900);
    expect(h.chat.kindsTo(buyer.userId)).toEqual(expect.arrayContaining(['stage_one', 'stage_two']));

    // The same progress in English.
    await page.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}?lang=en`);
    await expectText(page, '#progress-outcome', /Done\. .*900 paid to the seller/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await screenshot(page, 'pay-stage-two-en');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sends someone without a LINE ID token to LINE Login with the way back', async () => {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const code = '0'.repeat(26);
    const visited: string[] = [];
    page.on('request', (request) => visited.push(request.url()));
    await page.goto(`${site.baseUrl}/pages/pay/${code}?lang=en`);
    // Our login route, then on to LINE Login (the emulator) asking to add our official account.
    await page.waitForURL(/\/oauth2\/v2\.1\/authorize\?.*bot_prompt=aggressive/);
    const login = visited.find((u) => u.includes('/auth/line/login?next='));
    expect(login && new URL(login).searchParams.get('next')).toBe(`/pages/pay/${code}?lang=en`);
    await context.close();
  });
});
