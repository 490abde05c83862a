import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, readyBuyer } from '../support/deal-steps';

/**
 * Finding 13: an Idempotency-Key is scoped to the caller and the route. Two users sending the
 * same key each get their own result; the same user repeating gets the same result; a key that
 * is not 8–128 characters of [A-Za-z0-9_-:.] is refused on every route that takes one.
 */
describe('Idempotency-Key scope', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const product = { name: 'idempotent lamp', unitPriceMinor: 1200, quantity: 1, currency: 'TWD' };

  it('two buyers with the same key on one order each get their own answer; a repeat gets the same answer', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, product);
    const [first, second] = [await readyBuyer(h), await readyBuyer(h)];
    const key = { 'idempotency-key': 'shared-key-0001' };
    const path = `/api/orders/${link.paymentCode}/payment-requests`;

    const a = await h.call('POST', path, first.token, { dynamicPassword: link.dynamicPassword }, key);
    expect(a.body.outcome).toBe('payment_info');
    const b = await h.call('POST', path, second.token, { dynamicPassword: link.dynamicPassword }, key);
    // Not the first buyer's answer: the code is attributed to the first buyer, so the second is refused.
    expect(b.body.outcome).not.toBe('payment_info');
    expect(b.status === 200 ? b.body.outcome : b.status).toEqual(b.status === 200 ? 'attribution_error' : expect.any(Number));
    const again = await h.call('POST', path, first.token, { dynamicPassword: link.dynamicPassword }, key);
    // The same answer, not the same response: headers such as Date differ between calls.
    expect({ status: again.status, body: again.body }).toEqual({ status: a.status, body: a.body });
    const info = h.chat.messagesTo(first.userId).filter((m) => m.kind === 'pending_payment_info');
    expect(info).toHaveLength(1);
  });

  it('a seller retrying link creation with one key gets one link, one workflow, one card; the key on another product is refused', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const key = { 'idempotency-key': 'link-retry-0001' };
    // Ten retries at once, as a client with a short timeout and a flaky network sends them.
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.call('POST', '/api/links', seller.token, product, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const codes = new Set(answers.map((a) => a.body.paymentCode));
    expect(codes.size).toBe(1);
    const [paymentCode] = [...codes];
    expect(answers.every((a) => a.body.dynamicPassword === answers[0].body.dynamicPassword)).toBe(true);
    expect(await h.knex('payment_links').where({ seller_id: seller.userId }).count({ n: '*' })).toEqual([{ n: '1' }]);
    expect(await h.knex('orders').where({ seller_id: seller.userId }).count({ n: '*' })).toEqual([{ n: '1' }]);
    const cards = h.chat.messagesTo(seller.userId).filter((m) => m.kind === 'link_created');
    expect(cards).toHaveLength(1);
    // The workflow runs, once: a buyer can use the link.
    const buyer = await readyBuyer(h);
    const requested = await h.call('POST', `/api/orders/${paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: answers[0].body.dynamicPassword,
    });
    expect(requested.body.outcome).toBe('payment_info');

    const other = await h.call('POST', '/api/links', seller.token, { ...product, unitPriceMinor: 999 }, key);
    expect({ status: other.status, type: other.body.type }).toEqual({
      status: 422,
      type: expect.stringContaining('idempotency-key-reused'),
    });
    expect(await h.knex('payment_links').where({ seller_id: seller.userId }).count({ n: '*' })).toEqual([{ n: '1' }]);
    // Another seller's same key is their own link.
    const second = await h.newUser();
    await activateWallet(h, second);
    const theirs = await h.call('POST', '/api/links', second.token, product, key);
    expect(theirs.status).toBe(201);
    expect(theirs.body.paymentCode).not.toBe(paymentCode);
  });

  it('the same key on two routes of one order are two steps', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, product);
    const buyer = await readyBuyer(h);
    const key = { 'idempotency-key': 'one-key-two-routes' };
    const requested = await h.call(
      'POST',
      `/api/orders/${link.paymentCode}/payment-requests`,
      buyer.token,
      { dynamicPassword: link.dynamicPassword },
      key,
    );
    expect(requested.body.outcome).toBe('payment_info');
    const params = await h.call(
      'POST',
      `/api/orders/${link.paymentCode}/payment-parameters`,
      buyer.token,
      { paymentSource: { type: 'card', token: 'tok_visa' } },
      key,
    );
    expect(params.body.outcome).toBe('otp_sent');
  });

  const agent = () => h.staff.tokens.agent;
  const code = '0'.repeat(26);
  const user = 'U' + '0'.repeat(32);
  it.each([
    ['POST', '/api/links', 'user', product],
    ['POST', `/api/orders/${code}/payment-requests`, 'user', { dynamicPassword: 'x' }],
    ['POST', `/api/orders/${code}/otp/resend`, 'user', undefined],
    ['POST', `/api/orders/${code}/cancel`, 'user', undefined],
    ['POST', '/api/wallet/verification', 'user', { code: '123456' }],
    ['POST', '/api/quick-receive', 'user', { role: 'buyer' }],
    ['POST', '/api/payouts', 'user', { amountMinor: 100, currency: 'TWD' }],
    ['POST', `/api/support/orders/${code}/resolution`, 'staff', { resolution: 'release', sellerAmountMinor: 1, buyerAmountMinor: 0 }],
    ['POST', `/api/support/users/${user}/wallet/unlock`, 'staff', undefined],
    ['POST', `/api/support/payouts/pyt_${'0'.repeat(32)}/release`, 'staff', {}],
  ])('%s %s refuses a malformed Idempotency-Key with 400 problem+json', async (method, path, who, body) => {
    for (const bad of ['short', 'x'.repeat(129), 'has spaces in it', 'semi;colon;key']) {
      // A fresh user each time: the OTP resend route is rate limited per user.
      const token = who === 'staff' ? agent() : (await h.newUser()).token;
      const res = await h.call(method, path, token, body, { 'idempotency-key': bad });
      expect([res.status, res.contentType, res.body.type]).toEqual([
        400,
        expect.stringContaining('application/problem+json'),
        expect.stringMatching(/bad-idempotency-key$/),
      ]);
    }
  });
});
