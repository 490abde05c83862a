import type { Knex } from 'knex';
import { verifyAuditChain } from '../../src/audit';
import { createKnex } from '../../src/db/knex';
import { encryptField, fieldKeyRingFromEnv, keyedHash, maskPhone, normalisePhone } from '../../src/crypto';
import { addEntry } from '../../src/watchlist';
import { createOrderActivities } from '../../activities/order-activities';
import { createPaymentProvider } from '../../src/payment';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, uniquePhone, type Party } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/** Finding 15 and the phone part of 18: a phone binding must prove the buyer holds the number. */
describe('phone binding', () => {
  let h: DealHarness;
  beforeAll(async () => { h = await startDealHarness(); });
  afterAll(async () => { await h?.close(); });

  const bindings = (user: Party) => h.knex('phone_bindings').where({ user_id: user.userId }).orderBy('id');

  it('an unverified number never becomes a binding', async () => {
    const buyer = await h.newUser();
    const res = await h.call('POST', '/api/phone-binding', buyer.token, { phone: uniquePhone() });
    expect(res.status).toBe(202);
    expect(await bindings(buyer)).toEqual([]);
  });

  it('alternating two numbers hits the rebinding cap', async () => {
    const buyer = await h.newUser();
    const [a, b] = [uniquePhone(), uniquePhone()];
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await h.call('POST', '/api/phone-binding', buyer.token, { phone: i % 2 === 0 ? a : b })).status);
    expect(statuses).toContain(429);
    expect((await bindings(buyer)).length).toBeLessThanOrEqual(3);
  });

  it('screening matches all of a buyer\'s phones against the watch-list in one query', async () => {
    const seller = await h.newUser();
    const buyer = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'Counting queries', unitPriceMinor: 100, quantity: 1 });
    // Rows as the old binding route left them: one per alternation.
    const ring = fieldKeyRingFromEnv(process.env);
    await h.knex('users').insert({ user_id: buyer.userId }).onConflict('user_id').ignore();
    const phones = Array.from({ length: 12 }, () => normalisePhone(uniquePhone()));
    await h.knex('phone_bindings').insert(phones.map((p) => ({
      user_id: buyer.userId, phone_hash: keyedHash(h.settings.secrets.hashSecret, p), phone_ciphertext: encryptField(ring, p), phone_masked: maskPhone(p), is_virtual: false,
    })));
    await addEntry(h.knex, { hashSecret: h.settings.secrets.hashSecret, keyType: 'phone', value: phones[7], reason: 'fraud report', actor: 'test', source: 'fraud_reports' });

    const counted: Knex = createKnex(testDatabaseUrl(), 4);
    let watchlistQueries = 0;
    counted.on('query', (q: { sql: string }) => { if (q.sql.includes('watchlist_entries')) watchlistQueries += 1; });
    try {
      const activities = createOrderActivities({
        knex: counted, ledger: h.ledger, chat: h.chat, temporal: h.client, settings: h.settings,
        payments: createPaymentProvider({ baseUrl: h.payments.baseUrl, apiKey: 'unused' }),
      });
      const screening = await activities.screenBuyer({
        orderId: link.paymentCode, buyerId: buyer.userId, dynamicPassword: link.dynamicPassword,
        checkWallet: true, checkPhone: true, attribute: false, phoneBindingPeriodMs: h.settings.durations.phoneBindingPeriodMs,
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
    await h.call('POST', '/api/phone-binding', buyer.token, { phone });
    await h.knex('users').insert({ user_id: buyer.userId }).onConflict('user_id').ignore();
    const e164 = normalisePhone(phone);
    if ((await bindings(buyer)).length === 0) {
      await h.knex('phone_bindings').insert({
        user_id: buyer.userId, phone_hash: keyedHash(h.settings.secrets.hashSecret, e164),
        phone_ciphertext: encryptField(fieldKeyRingFromEnv(process.env), e164), phone_masked: maskPhone(e164), is_virtual: false,
      });
    }
    const cleared = await h.call('POST', `/api/support/users/${buyer.userId}/phone-bindings/clear`, 'agent-token-0123456789');
    expect(cleared.status).toBe(200);
    expect(cleared.body.cleared).toBe(1);

    const entries = await h.knex('audit_log').where({ subject: `user:${buyer.userId}`, action: 'phone_binding.cleared' });
    expect(entries).toHaveLength(1);
    expect(entries[0].actor).toBe('support:agent-amy');
    expect(entries[0].details).toEqual({ phones: [maskPhone(e164)], count: 1 });
    const raw = JSON.stringify(entries[0]);
    expect(raw).not.toContain(e164.slice(-8));
    expect((await verifyAuditChain(h.knex)).ok).toBe(true);
  });
});
