import { signPayload } from '../../src/payment/signature';
import { DEFAULT_LIMIT_POLICY } from '../../src/limits';
import { addEntry } from '../../src/watchlist';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  createLink,
  dealInEscrow,
  eventually,
  fixtureReadyBuyers,
  lastMessage,
  orderState,
  readyBuyer,
  sendPaymentEvent,
  type Link,
  type Party,
  orderRow,
} from '../support/deal-steps';

/**
 * Issue 9, findings 4, 5, 7, 9, 12 and 18 (webhooks): who may pay, who learns what, how many
 * codes, how limits are held, and how signed callbacks for things that are not (or no longer)
 * waiting are answered. Every refusal is checked for what it says and for what it did not write.
 */
describe('trust branches of a deal', () => {
  let h: DealHarness;
  let seller: Party;
  const limits = {
    ...DEFAULT_LIMIT_POLICY,
    rules: [
      { name: 'buyer.payments_per_hour', subject: 'buyer' as const, windowMs: 3_600_000, measure: 'count' as const, max: 2 },
      { name: 'buyer.amount_per_day', subject: 'buyer' as const, windowMs: 86_400_000, measure: 'amount' as const, max: 5_000 },
    ],
  };
  beforeAll(async () => {
    h = await startDealHarness({
      env: { MAX_OTP_SENDS_PER_ORDER: '3', OTP_SENDS_PER_BUYER_HOUR: '4', LIMIT_POLICY: JSON.stringify(limits) },
    });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (token: string, path: string, body?: unknown) => h.call('POST', path, token, body);
  const request = (buyer: Party, link: Link) =>
    post(buyer.token, `/api/orders/${link.paymentCode}/payment-requests`, { dynamicPassword: link.dynamicPassword });
  const params = (buyer: Party, link: Link) =>
    post(buyer.token, `/api/orders/${link.paymentCode}/payment-parameters`, { paymentSource: { type: 'card', token: 'tok_visa' } });
  const historyLength = async (link: Link) =>
    (await h.client.workflow.getHandle(`order:${link.paymentCode}`).fetchHistory()).events?.length ?? 0;

  it('finding 5: a seller cannot pay their own link, and is told why', async () => {
    for (const variant of ['full', 'simple']) {
      const link = await createLink(h, seller, { name: 'Own goods', unitPriceMinor: 300, quantity: 1, variant });
      const res = await request(seller, link);
      expect(res.status).toBe(403);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.type).toContain('self-dealing');
      expect(res.body.detail).toMatch(/your own payment link/);
      expect(await orderState(h, link.paymentCode)).toBe('awaiting_buyer');
    }
  });

  it('finding 4: the simple variant pays only a screened buyer; others, the seller and the listed are refused', async () => {
    const link = await createLink(h, seller, { name: 'Simple tea', unitPriceMinor: 400, quantity: 1, variant: 'simple' });
    const [screened, stranger, listed] = await fixtureReadyBuyers(h, 3, 'simple');
    await addEntry(h.knex, {
      hashSecret: h.settings.secrets.hashSecret,
      keyType: 'line_user_id',
      value: listed!.userId,
      reason: 'police fraud report',
      actor: 'test',
      source: 'fraud_reports',
    });

    // Nobody who has not passed screening may pay.
    for (const who of [stranger!, seller]) {
      const res = await params(who, link);
      expect(res.status).toBe(403);
      expect(res.body.type).toContain('not-the-buyer');
    }
    expect((await request(listed!, link)).body).toEqual({ outcome: 'blocked' });
    expect((await params(listed!, link)).status).toBe(403);

    expect((await request(screened!, link)).body.outcome).toBe('payment_info');
    expect((await params(stranger!, link)).status).toBe(403); // still: the stranger was never screened
    expect((await params(screened!, link)).body).toEqual({ outcome: 'charging' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
    const row = await orderRow(h, link.paymentCode);
    expect(row.buyer_id).toBe(screened!.userId);
    expect([...h.payments.state.charges.values()].filter((c) => c.charge.reference === link.paymentCode)).toHaveLength(1);
  });

  it('finding 4: the simple variant still checks limits when the payer is fixed', async () => {
    const [buyer] = await fixtureReadyBuyers(h, 1, 'simple-limits');
    const link = await createLink(h, seller, { name: 'Big simple', unitPriceMinor: 6_000, quantity: 1, variant: 'simple' });
    const res = await request(buyer!, link);
    expect(res.body).toMatchObject({ outcome: 'limit_exceeded', rule: 'buyer.amount_per_day' });
    expect((await params(buyer!, link)).status).toBe(403);
  });

  it('finding 7: limits are held when the code is attributed, so concurrent orders cannot all pass; a cancel gives them back', async () => {
    const [buyer] = await fixtureReadyBuyers(h, 1, 'velocity');
    const links = await Promise.all(
      [1, 2, 3, 4].map((i) => createLink(h, seller, { name: `Velocity ${i}`, unitPriceMinor: 100, quantity: 1 })),
    );
    const answers = await Promise.all(links.map((link) => request(buyer!, link)));
    const outcomes = answers.map((a) => a.body.outcome);
    expect(outcomes.filter((o) => o === 'payment_info')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'limit_exceeded')).toHaveLength(2);
    expect(answers.find((a) => a.body.outcome === 'limit_exceeded')!.body.rule).toBe('buyer.payments_per_hour');
    expect(await h.knex('limit_events').where({ buyer_id: buyer!.userId }).count<{ count: string }[]>('* as count')).toEqual([
      { count: '2' },
    ]);

    const held = links[outcomes.indexOf('payment_info')]!;
    expect((await post(seller.token, `/api/orders/${held.paymentCode}/cancel`)).body).toEqual({ outcome: 'cancelled' });
    await eventually(async () => (await orderState(h, held.paymentCode)) === 'cancelled');
    expect(await h.knex('limit_events').where({ event_id: held.paymentCode }).first()).toBeUndefined();
    expect(lastMessage(h, buyer!.userId, 'order_cancelled')).toMatchObject({ transactionCode: held.transactionCode });
    const refused = links[outcomes.indexOf('limit_exceeded')]!;
    expect((await request(buyer!, refused)).body.outcome).toBe('payment_info');
  });

  it("finding 7: amount caps apply in every currency, converted at the policy's reference rates", async () => {
    const [buyer] = await fixtureReadyBuyers(h, 1, 'currency-cap');
    // 30,000 JPY counts as 6,300 TWD: over the 5,000 TWD a day. 20,000 JPY (4,200 TWD) is not.
    const big = await createLink(h, seller, { name: 'Yen big', unitPriceMinor: 30_000, quantity: 1, currency: 'JPY' });
    expect((await request(buyer!, big)).body).toMatchObject({ outcome: 'limit_exceeded', rule: 'buyer.amount_per_day' });
    const small = await createLink(h, seller, { name: 'Yen small', unitPriceMinor: 20_000, quantity: 1, currency: 'JPY' });
    expect((await request(buyer!, small)).body.outcome).toBe('payment_info');
    const usd = await createLink(h, seller, { name: 'Dollars', unitPriceMinor: 4_000, quantity: 1, currency: 'USD' }); // USD 40 = 1,284 TWD; 4,200 + 1,284 > 5,000
    expect((await request(buyer!, usd)).body).toMatchObject({ outcome: 'limit_exceeded', rule: 'buyer.amount_per_day' });
  });

  it('finding 9: OTP codes are capped per order (refused without growing the history) and per buyer per hour', async () => {
    const [buyer] = await fixtureReadyBuyers(h, 1, 'otp-cap');
    const link = await createLink(h, seller, { name: 'Codes', unitPriceMinor: 100, quantity: 1 });
    expect((await request(buyer!, link)).body.outcome).toBe('payment_info');
    expect((await params(buyer!, link)).body.outcome).toBe('otp_sent'); // 1
    expect((await post(buyer!.token, `/api/orders/${link.paymentCode}/otp/resend`)).body.outcome).toBe('otp_sent'); // 2
    expect((await post(buyer!.token, `/api/orders/${link.paymentCode}/otp/resend`)).body.outcome).toBe('otp_sent'); // 3
    const before = await historyLength(link);
    for (let i = 0; i < 5; i++) {
      const refused = await post(buyer!.token, `/api/orders/${link.paymentCode}/otp/resend`);
      expect(refused.status).toBe(429);
      expect(refused.body.type).toContain('otp-limit');
    }
    expect(await historyLength(link)).toBe(before); // validators refuse: nothing is written
    expect(h.chat.kindsTo(buyer!.userId).filter((k) => k === 'otp')).toHaveLength(3);
    // The only code that works is the last one sent.
    const codes = h.chat
      .messagesTo(buyer!.userId)
      .filter((m) => m.kind === 'otp')
      .map((m) => (m as { otp: string }).otp);
    expect(
      (await post(buyer!.token, `/api/orders/${link.paymentCode}/otp`, { otp: codes[0] === codes[2] ? '000000' : codes[0] })).body.outcome,
    ).not.toBe('charging');

    // Per buyer per hour, over all orders: 4 codes, whatever the orders.
    const [other] = await fixtureReadyBuyers(h, 1, 'otp-cap-2');
    const links = await Promise.all([1, 2].map((i) => createLink(h, seller, { name: `Hourly ${i}`, unitPriceMinor: 100, quantity: 1 })));
    for (const l of links) expect((await request(other!, l)).body.outcome).toBe('payment_info');
    expect((await params(other!, links[0]!)).body.outcome).toBe('otp_sent');
    expect((await post(other!.token, `/api/orders/${links[0]!.paymentCode}/otp/resend`)).body.outcome).toBe('otp_sent');
    expect((await post(other!.token, `/api/orders/${links[0]!.paymentCode}/otp/resend`)).body.outcome).toBe('otp_sent');
    expect((await params(other!, links[1]!)).body.outcome).toBe('otp_sent'); // the 4th this hour
    const fifth = await post(other!.token, `/api/orders/${links[1]!.paymentCode}/otp/resend`);
    expect(fifth.body).toMatchObject({ outcome: 'otp_limit', retryAfterMs: expect.any(Number) });
    expect(h.chat.kindsTo(other!.userId).filter((k) => k === 'otp')).toHaveLength(4);
  });

  it("finding 12: someone else's order tells a stranger nothing of its state", async () => {
    const { link } = await dealInEscrow(h, seller, { name: 'Private', unitPriceMinor: 500, quantity: 1 });
    const [stranger] = await fixtureReadyBuyers(h, 1, 'stranger');
    const asked = await request(stranger!, link);
    expect(asked.body).toEqual({ outcome: 'attribution_error' }); // S106, as in any other state
    for (const res of [
      await params(stranger!, link),
      await post(stranger!.token, `/api/orders/${link.paymentCode}/otp/resend`),
      await post(stranger!.token, `/api/orders/${link.paymentCode}/decision`, { decision: 'agree' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.detail).not.toMatch(/escrow|awaiting|payment_pending|disputed|while the order is/);
    }
  });

  describe('finding 18: signed callbacks that nothing waits for are acknowledged, the same way on all three', () => {
    const signedPost = async (path: string, secret: string, event: unknown) => {
      const raw = JSON.stringify(event);
      const res = await fetch(`${h.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signPayload(secret, raw) },
        body: raw,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const created = () => Math.floor(Date.now() / 1000);

    it('a well-formed reference with no workflow behind it', async () => {
      const unknownCode = '0'.repeat(26);
      const answers = [
        await sendPaymentEvent(h, {
          id: 'evt_unknown_pay',
          type: 'charge.succeeded',
          created: created(),
          data: { chargeId: 'ch_nope', reference: unknownCode, amountMinor: 100, currency: 'TWD' },
        }),
        await signedPost('/webhooks/payouts', h.settings.payouts.webhookSecret, {
          id: 'evt_unknown_payout',
          type: 'payout.paid',
          created: created(),
          data: { payoutId: 'po_nope', reference: 'payout:pyt_nope', amountMinor: 100, currency: 'TWD' },
        }),
        await signedPost('/webhooks/bankcenter', h.settings.bankCenter.webhookSecret, {
          id: 'evt_unknown_bank',
          type: 'verification.succeeded',
          created: created(),
          data: { verificationId: 'ver_nope', reference: 'quick-receive:Unope' },
        }),
      ];
      for (const a of answers) expect(a).toMatchObject({ status: 200, body: { ignored: expect.any(String) } });
    });

    it('a result for an order that has finished', async () => {
      const { link, buyer } = await dealInEscrow(h, seller, { name: 'Done deal', unitPriceMinor: 600, quantity: 1 });
      await post(buyer.token, `/api/orders/${link.paymentCode}/decision`, { decision: 'agree' });
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
      const charge = [...h.payments.state.charges.values()].find((c) => c.charge.reference === link.paymentCode)!.charge;
      const late = await sendPaymentEvent(h, {
        id: `evt_late_${link.paymentCode}`,
        type: 'charge.succeeded',
        created: created(),
        data: { chargeId: charge.id, reference: link.paymentCode, amountMinor: 600, currency: 'TWD' },
      });
      expect(late).toMatchObject({ status: 200, body: { ignored: 'the workflow has finished' } });
    });
  });
});

describe('limits given back on expiry', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness({ env: { PAYMENT_REMINDER_MS: '500', PAYMENT_EXPIRY_MS: '1500' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an order that expires unpaid releases the limits it held', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'Expiring', unitPriceMinor: 100, quantity: 1 });
    const buyer = await readyBuyer(h);
    expect(
      (await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, { dynamicPassword: link.dynamicPassword }))
        .body.outcome,
    ).toBe('payment_info');
    expect(await h.knex('limit_events').where({ event_id: link.paymentCode }).first()).toBeDefined();
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'expired');
    expect(await h.knex('limit_events').where({ event_id: link.paymentCode }).first()).toBeUndefined();
  });
});
