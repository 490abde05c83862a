import { formatPaymentAccount, openOrderCheckout, type OrderCheckout, type OrderCheckoutInput } from '../../src/payment';
import { sleep } from '../emulators/helpers';
import { DAY_MS, newPaymentCode, orderInput, startCheckoutFixture, type CheckoutFixture } from './fixture';

/**
 * ATM virtual accounts per order, at the API: issued with the session, paid by a transfer the
 * emulated bank reports (control route), the amount that arrived in the callback, refused after
 * expiry. Callbacks are read through our own parser.
 */
const QUIET_PERIOD_MS = 200;
const TOTAL_MINOR = 1_250;

let f: CheckoutFixture;
beforeEach(async () => {
  f = await startCheckoutFixture();
});
afterEach(async () => {
  await f.close();
});

async function openAccount(
  overrides: Partial<OrderCheckoutInput> = {},
): Promise<OrderCheckout & { virtualAccount: NonNullable<OrderCheckout['virtualAccount']> }> {
  const opened = await openOrderCheckout(f.provider, orderInput(f, { amountMinor: TOTAL_MINOR, description: '二手相機', ...overrides }));
  if (!opened.virtualAccount) throw new Error('no virtual account issued');
  return opened as OrderCheckout & { virtualAccount: NonNullable<OrderCheckout['virtualAccount']> };
}

const transfer = (accountNumber: string, amountMinor: number) =>
  f.control('POST', `/virtual-accounts/${accountNumber}/transfers`, { amountMinor });

describe('an ATM virtual account per order', () => {
  it('is issued with the session: a bank code, 14 digits, the order total and the deadline; each order gets its own', async () => {
    const deadlineMs = Date.now() + 2 * DAY_MS;
    const one = await openAccount({ paymentDeadlineMs: deadlineMs });
    const other = await openAccount();

    expect(one.virtualAccount).toEqual({
      bankCode: '812',
      accountNumber: expect.stringMatching(/^\d{14}$/),
      amountMinor: TOTAL_MINOR,
      currency: 'TWD',
      expiresAtMs: Math.floor(deadlineMs / 1000) * 1000,
    });
    expect(other.virtualAccount.accountNumber).not.toBe(one.virtualAccount.accountNumber);
    // What the payment info shows is the provider's account, and the hosted page shows the same one.
    expect(formatPaymentAccount(one.virtualAccount)).toBe(`812-${one.virtualAccount.accountNumber}`);
    const page = await (await fetch(one.checkoutUrl)).text();
    expect(page).toContain(`id="virtual-account">${one.virtualAccount.accountNumber}<`);
    expect(page).toContain('id="bank-code">812<');
  });

  it('a transfer of exactly the total pays the order: charge.succeeded with the amount and the session; the account takes no second transfer', async () => {
    const code = newPaymentCode();
    const opened = await openAccount({ paymentCode: code });
    const answer = await transfer(opened.virtualAccount.accountNumber, TOTAL_MINOR);
    expect(answer).toMatchObject({ status: 201, body: { chargeId: expect.stringMatching(/^ch_/), amountMinor: TOTAL_MINOR } });

    const event = await f.event(1);
    expect(event).toMatchObject({
      type: 'charge.succeeded',
      data: {
        chargeId: answer.body.chargeId,
        reference: code,
        amountMinor: TOTAL_MINOR,
        currency: 'TWD',
        checkoutSessionId: opened.sessionId,
      },
    });
    expect(await f.provider.getCharge(answer.body.chargeId)).toMatchObject({
      status: 'succeeded',
      paymentSourceType: 'bank_transfer',
      amountMinor: TOTAL_MINOR,
    });
    const session = await f.provider.getCheckoutSession(opened.sessionId);
    expect(session).toMatchObject({ status: 'complete', chargeId: answer.body.chargeId, virtualAccount: { status: 'received' } });
    const statement = await f.provider.statement();
    expect(statement.entries).toEqual([
      expect.objectContaining({ kind: 'charge', chargeId: answer.body.chargeId, reference: code, amountMinor: TOTAL_MINOR }),
    ]);

    const again = await transfer(opened.virtualAccount.accountNumber, TOTAL_MINOR);
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/\/virtual-account-closed$/);
    await sleep(QUIET_PERIOD_MS);
    expect(f.events()).toHaveLength(1);
  });

  it.each([
    ['less', TOTAL_MINOR - 250],
    ['more', TOTAL_MINOR + 1],
  ])(
    'a transfer of %s than the total is taken and reported with the amount that arrived, for our amount check',
    async (_what, amountMinor) => {
      const opened = await openAccount();
      expect((await transfer(opened.virtualAccount.accountNumber, amountMinor)).status).toBe(201);

      const event = await f.event(1);
      expect(event).toMatchObject({
        type: 'charge.succeeded',
        data: { amountMinor, currency: 'TWD', checkoutSessionId: opened.sessionId },
      });
      expect(event.data.amountMinor).not.toBe(TOTAL_MINOR);
      // The money is there to give back: a refund of what arrived goes through.
      const refund = await f.provider.refund({ chargeId: event.data.chargeId, amountMinor }, `${event.data.chargeId}:refund`);
      expect(refund).toMatchObject({ status: 'succeeded', amountMinor });
    },
  );

  it('after its deadline the account refuses transfers; nothing is charged and the page says it expired', async () => {
    const opened = await openAccount({ paymentDeadlineMs: Date.now() + DAY_MS });
    const before = await f.provider.getCheckoutSession(opened.sessionId);
    expect(before.status).toBe('open');

    // The emulated bank's clock moves past the deadline (no waiting in the test).
    await f.control('POST', '/clock', { advanceSeconds: 24 * 3600 + 1 });
    const late = await transfer(opened.virtualAccount.accountNumber, TOTAL_MINOR);
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/\/virtual-account-expired$/);

    const session = await f.provider.getCheckoutSession(opened.sessionId);
    expect(session).toMatchObject({ status: 'expired', virtualAccount: { status: 'expired' } });
    expect(session.chargeId).toBeUndefined();
    expect(await (await fetch(opened.checkoutUrl)).text()).toContain('此付款頁面已過期');
    await sleep(QUIET_PERIOD_MS);
    expect(f.emulator.state.charges.size).toBe(0);
    expect(f.events()).toHaveLength(0);
  });

  it('shortly before its deadline the account still takes the transfer', async () => {
    const opened = await openAccount({ paymentDeadlineMs: Date.now() + DAY_MS });
    const { body: clock } = await f.control('GET', '/clock');
    // 30 s short of the deadline: real seconds that pass during the test cannot reach it.
    await f.control('POST', '/clock', { advanceSeconds: opened.virtualAccount.expiresAtMs / 1000 - clock.nowSeconds - 30 });
    expect((await transfer(opened.virtualAccount.accountNumber, TOTAL_MINOR)).status).toBe(201);
  });

  it('a card payment closes the account: a later transfer is refused', async () => {
    const opened = await openAccount();
    await fetch(`${opened.checkoutUrl}/card`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ cardNumber: '4242424242424242', expiry: '12/34', cvc: '123' }).toString(),
    });
    const late = await transfer(opened.virtualAccount.accountNumber, TOTAL_MINOR);
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/\/virtual-account-closed$/);
  });

  it('an unknown account and a malformed amount are refused without a charge', async () => {
    expect((await transfer('00000000000000', TOTAL_MINOR)).status).toBe(404);
    const opened = await openAccount();
    for (const amountMinor of [0, -5, 12.5]) {
      expect((await transfer(opened.virtualAccount.accountNumber, amountMinor)).status).toBe(400);
    }
    expect(f.emulator.state.charges.size).toBe(0);
  });
});
