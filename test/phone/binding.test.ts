import type { Knex } from 'knex';
import { verifyAuditChain } from '../../src/audit';
import { createKnex } from '../../src/db/knex';
import { encryptField, fieldKeyRingFromEnv, keyedHash, maskPhone, normalisePhone } from '../../src/crypto';
import { startSmsEmulator } from '../../src/emulators/sms';
import { addEntry } from '../../src/watchlist';
import { createOrderActivities } from '../../activities/order-activities';
import { createPaymentProvider } from '../../src/payment';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, bindPhone, createLink, smsCodeSentTo, uniquePhone, type Party } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/** Finding 15 and the phone part of 18: a phone binding must prove the buyer holds the number. */
describe('phone binding', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const policy = () => h.settings.sms.phoneVerification;
  const bindings = (user: Party) => h.knex('phone_bindings').where({ user_id: user.userId }).orderBy('id');
  const start = (user: Party, phone: string) => h.call('POST', '/api/phone-binding', user.token, { phone });
  const answer = (user: Party, code: string) => h.call('POST', '/api/phone-binding/verification', user.token, { code });
  const textsTo = (phone: string) => h.sms!.state.messages.filter((m) => `+${m.to}` === normalisePhone(phone));
  const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

  it('an unverified number never becomes a binding; the code texted to it does, and only its keyed hash is stored', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    const res = await start(buyer, phone);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'code_sent',
      phone: maskPhone(phone),
      expiresAt: expect.any(String),
      attemptsLeft: policy().maxAttempts,
    });
    expect(await bindings(buyer)).toEqual([]);

    const code = await smsCodeSentTo(h, phone);
    const sms = textsTo(phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ from: h.settings.sms.sender, clientRef: expect.stringMatching(/^pv_[0-9a-f]{32}$/) });
    const [row] = await h.knex('phone_verifications').where({ user_id: buyer.userId });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(normalisePhone(phone).slice(1));

    expect((await answer(buyer, otherThan(code))).status).toBe(422);
    expect(await bindings(buyer)).toEqual([]);
    const bound = await answer(buyer, code);
    expect(bound.status).toBe(201);
    expect(bound.body).toEqual({ status: 'bound', phone: maskPhone(phone) });
    const rows = await bindings(buyer);
    expect(rows).toHaveLength(1);
    expect(rows[0].phone_hash).toBe(keyedHash(h.settings.secrets.hashSecret, normalisePhone(phone)));
    expect((await h.knex('phone_verifications').where({ user_id: buyer.userId }).first()).phone_ciphertext).toBeNull();
    // A used code is spent.
    expect((await answer(buyer, code)).status).toBe(409);
  });

  it('a wrong code PHONE_CODE_MAX_ATTEMPTS times locks that verification, even with the right code after; a new code works', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    await start(buyer, phone);
    const code = await smsCodeSentTo(h, phone);
    const max = policy().maxAttempts;
    for (let i = 1; i < max; i += 1) {
      const wrong = await answer(buyer, otherThan(code));
      expect([wrong.status, wrong.body.type, wrong.body.attemptsLeft]).toEqual([422, expect.stringContaining('wrong-code'), max - i]);
      expect(wrong.contentType).toContain('application/problem+json');
      expect(wrong.body.errors).toEqual([{ field: 'code', message: expect.stringContaining(`${max - i} tries left`) }]);
    }
    const last = await answer(buyer, otherThan(code));
    expect([last.status, last.body.type]).toEqual([423, expect.stringContaining('verification-locked')]);
    const right = await answer(buyer, code);
    expect([right.status, right.body.type]).toEqual([423, expect.stringContaining('verification-locked')]);
    expect(await bindings(buyer)).toEqual([]);

    expect((await start(buyer, phone)).status).toBe(202);
    const fresh = await smsCodeSentTo(h, phone);
    expect((await answer(buyer, fresh)).status).toBe(201);
    expect(await bindings(buyer)).toHaveLength(1);
  });

  it('concurrent wrong codes never get more tries than the cap (20 at once, 10 trials)', async () => {
    for (let trial = 0; trial < 10; trial += 1) {
      const buyer = await h.newUser();
      const phone = uniquePhone();
      await start(buyer, phone);
      const code = await smsCodeSentTo(h, phone);
      const answers = await Promise.all(Array.from({ length: 20 }, () => answer(buyer, otherThan(code))));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 422)).toHaveLength(policy().maxAttempts - 1);
      expect(statuses.filter((s) => s === 423)).toHaveLength(20 - (policy().maxAttempts - 1));
      const row = await h.knex('phone_verifications').where({ user_id: buyer.userId }).first();
      expect([row.attempts, row.state]).toEqual([policy().maxAttempts, 'locked']);
      expect((await answer(buyer, code)).status).toBe(423);
      expect(await bindings(buyer)).toEqual([]);
    }
  });

  it('an expired code is refused and binds nothing', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    await start(buyer, phone);
    const code = await smsCodeSentTo(h, phone);
    await h
      .knex('phone_verifications')
      .where({ user_id: buyer.userId })
      .update({ expires_at: new Date(Date.now() - 1000) });
    const res = await answer(buyer, code);
    expect([res.status, res.body.type]).toEqual([410, expect.stringContaining('code-expired')]);
    expect(await bindings(buyer)).toEqual([]);
  });

  it('a newer code replaces the older one: the first number can no longer be bound with its code', async () => {
    const buyer = await h.newUser();
    const [a, b] = [uniquePhone(), uniquePhone()];
    await start(buyer, a);
    const codeA = await smsCodeSentTo(h, a);
    await start(buyer, b);
    const codeB = await smsCodeSentTo(h, b);
    if (codeA !== codeB) expect((await answer(buyer, codeA)).status).toBe(422);
    expect((await answer(buyer, codeB)).status).toBe(201);
    expect((await bindings(buyer)).map((r) => r.phone_masked)).toEqual([maskPhone(b)]);
  });

  it('alternating two numbers hits the rebinding cap: 429 problem with Retry-After, no text sent, no row added', async () => {
    const buyer = await h.newUser();
    const [a, b] = [uniquePhone(), uniquePhone()];
    const cap = policy().bindingsPerWindow;
    for (let i = 0; i < cap; i += 1) await bindPhone(h, buyer, i % 2 === 0 ? a : b);
    expect(await bindings(buyer)).toHaveLength(cap);
    const next = cap % 2 === 0 ? a : b;
    const textsBefore = textsTo(next).length;
    const refused = await start(buyer, next);
    expect(refused.status).toBe(429);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body.type).toContain('phone-binding-limit');
    expect(refused.body.detail).toContain(`bound ${cap} phone numbers within 30 days`);
    expect(Date.parse(refused.body.retryAt)).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    const retryAfter = await fetch(`${h.baseUrl}/api/phone-binding`, {
      method: 'POST',
      headers: { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: next }),
    });
    expect(Number(retryAfter.headers.get('retry-after'))).toBeGreaterThan(29 * 24 * 3600);
    expect(textsTo(next)).toHaveLength(textsBefore);
    expect(await bindings(buyer)).toHaveLength(cap);
  });

  it('re-binding the bound number sends nothing and adds no row', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    await bindPhone(h, buyer, phone);
    const texts = textsTo(phone).length;
    const again = await start(buyer, phone.replace(/^09/, '+8869'));
    expect([again.status, again.body]).toEqual([200, { status: 'already_bound', phone: maskPhone(phone) }]);
    expect(textsTo(phone)).toHaveLength(texts);
    expect(await bindings(buyer)).toHaveLength(1);
    const view = await h.call('GET', '/api/phone-binding', buyer.token);
    expect(view.body).toEqual({ bound: { phone: maskPhone(phone), boundAt: expect.any(String) }, pending: null });
  });

  it('codes are capped per user and per number, whoever asks', async () => {
    const max = policy().sendsPerWindow;
    const buyer = await h.newUser();
    for (let i = 0; i < max; i += 1) expect((await start(buyer, uniquePhone())).status).toBe(202);
    const tooMany = await start(buyer, uniquePhone());
    expect([tooMany.status, tooMany.body.type, tooMany.body.scope]).toEqual([429, expect.stringContaining('phone-code-limit'), 'user']);

    const victim = uniquePhone();
    for (let i = 0; i < max; i += 1) expect((await start(await h.newUser(), victim)).status).toBe(202);
    const spam = await start(await h.newUser(), victim);
    expect([spam.status, spam.body.scope]).toEqual([429, 'number']);
    expect(textsTo(victim)).toHaveLength(max);
  });

  it('bad input is a clear 422 and writes nothing', async () => {
    const buyer = await h.newUser();
    for (const body of [{ phone: 'call me maybe' }, { phone: '12345678' }, { phone: '0912345678', extra: 1 }, {}]) {
      const res = await h.call('POST', '/api/phone-binding', buyer.token, body);
      expect([res.status, res.contentType]).toEqual([422, expect.stringContaining('application/problem+json')]);
    }
    for (const body of [{ code: '12345' }, { code: 'abcdef' }, {}]) {
      const res = await h.call('POST', '/api/phone-binding/verification', buyer.token, body);
      expect(res.status).toBe(422);
    }
    expect(await h.knex('phone_verifications').where({ user_id: buyer.userId })).toEqual([]);
    expect((await answer(buyer, '123456')).status).toBe(409);
  });

  it('a watch-listed phone, once verified, blocks the buyer at screening', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'Listed phone', unitPriceMinor: 500, quantity: 1 });
    const buyer = await h.newUser();
    await activateWallet(h, buyer);
    const phone = uniquePhone();
    await addEntry(h.knex, {
      hashSecret: h.settings.secrets.hashSecret,
      keyType: 'phone',
      value: phone,
      reason: 'police fraud report',
      actor: 'test',
      source: 'fraud_reports',
    });
    await bindPhone(h, buyer, phone.replace(/^0/, '+886 '));
    const res = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, buyer.token, {
      dynamicPassword: link.dynamicPassword,
    });
    expect(res.body).toEqual({ outcome: 'blocked' });
    expect(h.chat.kindsTo(buyer.userId)).toContain('watchlist_blocked');
    expect(h.chat.kindsTo(buyer.userId)).not.toContain('payment_info');
  });

  it("screening matches all of a buyer's phones against the watch-list in one query", async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'Counting queries', unitPriceMinor: 100, quantity: 1 });
    // Rows as the old binding route left them: one per alternation.
    const ring = fieldKeyRingFromEnv(process.env);
    await h.knex('users').insert({ user_id: buyer.userId }).onConflict('user_id').ignore();
    const phones = Array.from({ length: 12 }, () => normalisePhone(uniquePhone()));
    await h.knex('phone_bindings').insert(
      phones.map((p) => ({
        user_id: buyer.userId,
        phone_hash: keyedHash(h.settings.secrets.hashSecret, p),
        phone_ciphertext: encryptField(ring, p),
        phone_masked: maskPhone(p),
        is_virtual: false,
      })),
    );
    await addEntry(h.knex, {
      hashSecret: h.settings.secrets.hashSecret,
      keyType: 'phone',
      value: phones[7],
      reason: 'fraud report',
      actor: 'test',
      source: 'fraud_reports',
    });

    const counted: Knex = createKnex(testDatabaseUrl(), 4);
    let watchlistQueries = 0;
    counted.on('query', (q: { sql: string }) => {
      if (q.sql.includes('watchlist_entries')) watchlistQueries += 1;
    });
    try {
      const activities = createOrderActivities({
        knex: counted,
        ledger: h.ledger,
        chat: h.chat,
        temporal: h.client,
        settings: h.settings,
        payments: createPaymentProvider({ baseUrl: h.payments.baseUrl, apiKey: 'unused' }),
      });
      const screening = await activities.screenBuyer({
        paymentCode: link.paymentCode,
        buyerId: buyer.userId,
        dynamicPassword: link.dynamicPassword,
        checkWallet: true,
        checkPhone: true,
        attribute: false,
        phoneBindingPeriodMs: h.settings.durations.phoneBindingPeriodMs,
      });
      expect(screening.watchListed).toBe(true);
    } finally {
      await counted.destroy();
    }
    // One query for the identity keys, one for every phone the buyer ever bound.
    expect(watchlistQueries).toBe(2);
  });

  it('support clearing a binding writes an audit entry with the masked number only', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    await bindPhone(h, buyer, phone);
    const e164 = normalisePhone(phone);
    const cleared = await h.call('POST', `/api/support/users/${buyer.userId}/phone-bindings/clear`, h.staff.tokens.agent);
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBe(1);

    const entries = await h.knex('audit_log').where({ subject: `user:${buyer.userId}`, action: 'phone_binding.cleared' });
    expect(entries).toHaveLength(1);
    expect(entries[0].actor).toBe('support:agent-amy');
    expect(entries[0].details).toEqual({ phones: [maskPhone(e164)], count: 1 });
    const raw = JSON.stringify(entries[0]);
    expect(raw).not.toContain(e164.slice(-8));
    // The binding itself is on the chain too, under the user who proved the number.
    const bound = await h
      .knex('audit_log')
      .where({ subject: `user:${buyer.userId}`, action: 'phone_binding.bound' })
      .first();
    expect([bound.actor, bound.details.phone]).toEqual([buyer.userId, maskPhone(e164)]);
    expect((await verifyAuditChain(h.knex)).ok).toBe(true);

    // Nothing left to clear: nothing changed, nothing audited.
    expect((await h.call('POST', `/api/support/users/${buyer.userId}/phone-bindings/clear`, h.staff.tokens.agent)).body.cleared).toBe(0);
    expect(await h.knex('audit_log').where({ subject: `user:${buyer.userId}`, action: 'phone_binding.cleared' })).toHaveLength(1);
  });

  it('SMS provider outage: 503 problem with Retry-After, nothing bound, no try used up; works again once it is back', async () => {
    const buyer = await h.newUser();
    const phone = uniquePhone();
    h.sms!.state.faults.set({ failNext: 1, status: 503 });
    const faulted = await start(buyer, phone);
    expect([faulted.status, faulted.body.type]).toEqual([503, expect.stringContaining('sms-unavailable')]);

    // The real server stopped: nothing listens at SMS_BASE_URL.
    const port = Number(new URL(h.sms!.baseUrl).port);
    await h.sms!.close();
    const stopped = await fetch(`${h.baseUrl}/api/phone-binding`, {
      method: 'POST',
      headers: { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone }),
    });
    expect(stopped.status).toBe(503);
    expect(stopped.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(stopped.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await h.knex('phone_verifications').where({ user_id: buyer.userId }).select('state')).map((r) => r.state)).toEqual([
      'send_failed',
      'send_failed',
    ]);
    expect((await answer(buyer, '123456')).status).toBe(409);
    expect(await bindings(buyer)).toEqual([]);

    h.sms = await startSmsEmulator({ apiKey: h.settings.sms.apiKey, apiSecret: h.settings.sms.apiSecret, port });
    await bindPhone(h, buyer, phone);
    expect(await bindings(buyer)).toHaveLength(1);
  });
});
