import type { Browser } from 'playwright-core';
import type { DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, dealInEscrow, eventually, lastMessage, readyBuyer } from '../support/deal-steps';
import { collectPageErrors, describeWithChromium, expectText, phoneContext, screenshot, unlabelledControls } from '../pages/browser';
import { pagesSuite, type PagesSite } from '../pages/site';

/**
 * The buyer at the provider's hosted checkout, in a phone-sized Chromium: the card form (with
 * the order's ATM account), a card that asks for the issuer's 3-D-Secure-like challenge, the
 * one-time code read off the issuer's page, and back at our return page, which reads the order.
 * The order opens its own session with the payment info and gives the card page after the OTP.
 */
describeWithChromium("paying at the provider's hosted checkout, in chromium", () => {
  let h: DealHarness;
  let site: PagesSite;
  let browser: Browser;
  pagesSuite((started) => ({ h, site, browser } = started));

  /** A deal up to the card page: payment info, card chosen, OTP verified; the buyer's language as given. */
  async function cardCheckout(product: { name: string; unitPriceMinor: number; quantity: number }, language?: 'en') {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, product);
    const buyer = await readyBuyer(h);
    if (language) await h.knex('users').where({ user_id: buyer.userId }).update({ language });
    const requested = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(requested.body.outcome).toBe('payment_info');
    // The order opened its checkout with the payment info; the card page is given after the OTP.
    expect((await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.checkout.url).toBeUndefined();
    await h.call('POST', `/api/orders/${link.paymentCode}/payment-parameters`, buyer.token, { method: 'card' });
    const verified = await h.call('POST', `/api/orders/${link.paymentCode}/otp`, buyer.token, {
      otp: lastMessage(h, buyer.userId, 'otp').otp,
    });
    expect(verified.body.outcome).toBe('checkout');
    const checkout = (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.checkout;
    const opened = {
      sessionId: checkout.sessionId as string,
      checkoutUrl: verified.body.checkoutUrl as string,
      virtualAccount: checkout.virtualAccount,
    };
    expect(checkout.url).toBe(opened.checkoutUrl);
    return { link, buyer, opened };
  }

  it("a card with the 3-D-Secure-like challenge: code from the issuer's page, then our return page confirming the payment", async () => {
    const { link, buyer, opened } = await cardCheckout({ name: '手作茶杯', unitPriceMinor: 450, quantity: 2 });

    const context = await phoneContext(browser, buyer.token);
    const page = await context.newPage();
    const errors = collectPageErrors(page);

    // The provider's page: what is paid for, the card form, and the order's own ATM account.
    await page.goto(opened.checkoutUrl);
    expect(await unlabelledControls(page)).toEqual([]);
    await expectText(page, '#amount', /TWD 900/);
    await expectText(page, '#virtual-account', new RegExp(`^${opened.virtualAccount!.accountNumber}$`));
    await screenshot(page, 'checkout-hosted-card-form');
    await page.getByLabel('卡號').fill('4000 0000 0000 3220');
    await page.getByLabel('有效期限(MM/YY)').fill('12/34');
    await page.getByLabel('安全碼').fill('123');
    await page.getByRole('button', { name: /付款/ }).click();

    // The issuer's challenge: the one-time code it "texted" is on its page.
    await page.waitForURL(/\/challenge$/);
    const code = (await page.textContent('#one-time-code'))?.trim() ?? '';
    expect(code).toMatch(/^\d{6}$/);
    await screenshot(page, 'checkout-3ds-challenge');
    await page.getByLabel('一次性密碼').fill(code);

    // Back at our return page, which reads the order through our api.
    const orderRead = page.waitForResponse((r) => r.url().endsWith(`/api/orders/${link.paymentCode}`) && r.status() === 200);
    await page.getByRole('button', { name: '驗證' }).click();
    await page.waitForURL(`${h.baseUrl}/pages/pay/${link.paymentCode}/return?session_id=${opened.sessionId}`);
    await orderRead;
    // The order recognises its session in the provider's webhook: the page says the money is held.
    await expectText(page, '#return-outcome', /付款已確認,款項由我們保管中/);
    expect(await page.getAttribute('#to-payment', 'href')).toBe(`/pages/pay/${link.paymentCode}`);
    await screenshot(page, 'checkout-return-confirming');

    // The provider's signed result went to our webhook, for this order, this amount, this session.
    await eventually(async () => h.payments.state.events.length === 1);
    expect(h.payments.state.events[0]).toMatchObject({
      type: 'charge.succeeded',
      data: { reference: link.paymentCode, amountMinor: 900, currency: 'TWD', checkoutSessionId: opened.sessionId },
    });
    await eventually(async () => h.payments.state.deliveries.some((d) => d.url === `${h.baseUrl}/webhooks/payments`));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the return page says the payment is confirmed once the order holds the money, and links to the deal', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const { link, buyer } = await dealInEscrow(h, seller, { name: '木製書架', unitPriceMinor: 1200, quantity: 1 });

    const context = await phoneContext(browser, buyer.token);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.baseUrl}/pages/pay/${link.paymentCode}/return?session_id=cs_any`);
    await expectText(page, '#return-outcome', /付款已確認,款項由我們保管中/);
    await expectText(page, '#to-payment', /查看交易進度/);
    await screenshot(page, 'checkout-return-confirmed');
    await page.click('#to-payment');
    await page.waitForURL(`${site.baseUrl}/pages/pay/${link.paymentCode}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a buyer who reads English gets the card page and our return page in English', async () => {
    const { link, buyer, opened } = await cardCheckout({ name: 'Teacup', unitPriceMinor: 300, quantity: 1 }, 'en');
    const context = await phoneContext(browser, buyer.token);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(opened.checkoutUrl);
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry (MM/YY)').fill('12/34');
    await page.getByLabel('Security code').fill('123');
    await page.getByRole('button', { name: /Pay/ }).click();
    await page.waitForURL(/\/return\?/);
    const back = new URL(page.url());
    expect(back.pathname).toBe(`/pages/pay/${link.paymentCode}/return`);
    expect(back.searchParams.get('lang')).toBe('en');
    await expectText(page, '#return-outcome', /Your payment is confirmed/);
    expect(await page.getAttribute('#to-payment', 'href')).toBe(`/pages/pay/${link.paymentCode}?lang=en`);
    await screenshot(page, 'checkout-return-confirmed-en');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a return URL with a code that is not one of ours is a 404 page', async () => {
    const res = await fetch(`${site.baseUrl}/pages/pay/not-a-code/return?session_id=cs_x`);
    expect(res.status).toBe(404);
  });
});
