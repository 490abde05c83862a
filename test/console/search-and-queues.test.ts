import { transactionCode } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { bindPhone, createLink, activateWallet, uniquePhone } from '../support/deal-steps';
import { verifiedParty } from '../money-out/steps';

/**
 * Issue 11: one search for what people quote, and the queues' paging, sorting and filtering
 * rules, through the real api and PostgreSQL. Phones and bank accounts are found by keyed hash:
 * the number typed is never stored nor written to the audit log.
 */
describe('support console search and queues', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const search = (q: string, who: 'agent' | 'viewer' = 'viewer') =>
    h.call('GET', `/api/support/console/search?q=${encodeURIComponent(q)}`, h.staff.tokens[who]);

  it('finds a deal by TX code and payment code, a person by LINE user, name, receiving code, phone and bank account', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'Search lamp', unitPriceMinor: 700, quantity: 1 });
    const tx = transactionCode(link.paymentCode);

    for (const q of [tx, tx.toLowerCase(), link.paymentCode]) {
      const found = await search(q);
      expect(found.status).toBe(200);
      expect(found.body.orders.map((o: { paymentCode: string }) => o.paymentCode)).toEqual([link.paymentCode]);
    }

    const byUser = await search(seller.userId);
    expect(byUser.body.matched).toContain('line_user');
    expect(byUser.body.users[0].orders.map((o: { paymentCode: string }) => o.paymentCode)).toContain(link.paymentCode);

    const name = `Searchable ${seller.userId.slice(-6)}`;
    await h.knex('users').where({ user_id: seller.userId }).update({ display_name: name });
    const byName = await search(name.toLowerCase());
    expect(byName.body.users.map((u: { userId: string; matchedBy: string }) => [u.userId, u.matchedBy])).toEqual([
      [seller.userId, 'display_name'],
    ]);

    const phone = uniquePhone();
    const buyer = await h.newUser();
    await bindPhone(h, buyer, phone);
    const dashed = `${phone.slice(0, 4)}-${phone.slice(4, 7)}-${phone.slice(7)}`;
    const byPhone = await search(dashed, 'agent');
    expect(byPhone.body.users.map((u: { userId: string; matchedBy: string }) => [u.userId, u.matchedBy])).toEqual([
      [buyer.userId, 'phone'],
    ]);

    const { party, account, receivingCode } = await verifiedParty(h);
    const byCode = await search(receivingCode);
    expect(byCode.body.users.map((u: { userId: string }) => u.userId)).toEqual([party.userId]);
    const byAccount = await search(`${account.bankCode}-${account.accountNumber}`);
    expect(byAccount.body.users.map((u: { userId: string; matchedBy: string }) => [u.userId, u.matchedBy])).toEqual([
      [party.userId, 'bank_account'],
    ]);

    // What was typed is in no table: the audit entry names only the kind of key that matched.
    const searches = await h.knex('audit_log').where({ action: 'support.viewed', subject: 'search' }).orderBy('seq', 'desc').limit(3);
    for (const entry of searches) {
      expect(JSON.stringify(entry.details)).not.toContain(phone.slice(2));
      expect(JSON.stringify(entry.details)).not.toContain(account.accountNumber);
    }
    expect(searches.map((s) => s.details.matched)).toEqual([['bank_account'], ['receiving_code'], ['phone']]);

    expect((await search('')).status).toBe(422);
    expect((await h.call('GET', '/api/support/console/search?q=x')).status).toBe(401);
  });

  it('queues page, sort and filter by the same rules, and refuse what they do not know', async () => {
    const sellers = [];
    for (let i = 0; i < 3; i++) {
      const user = await h.newUser();
      await bindPhone(h, user, uniquePhone());
      await bindPhone(h, user, uniquePhone());
      sellers.push(user);
    }
    const tag = sellers.map((s) => s.userId);
    const page = (query: string, who: 'viewer' | 'agent' = 'viewer') =>
      h.call('GET', `/api/support/console/queues/bindings?${query}`, h.staff.tokens[who]);
    const all = await page('pageSize=100');
    expect(all.status).toBe(200);
    const ours = all.body.rows.filter((r: { userId: string }) => tag.includes(r.userId));
    expect(ours).toHaveLength(3);
    expect(ours.every((r: { phones: number }) => r.phones === 2)).toBe(true);

    const one = await page(`q=${tag[1]}&pageSize=1`);
    expect(one.body).toMatchObject({ total: 1, page: 1, pageSize: 1, sort: 'lastBoundAt', dir: 'desc' });
    expect(one.body.rows[0].userId).toBe(tag[1]);

    // Pages of one row each, oldest binding first: the three appear in the order they were bound.
    const asc = await page('sort=lastBoundAt&dir=asc&pageSize=100');
    const order = asc.body.rows.map((r: { userId: string }) => r.userId).filter((id: string) => tag.includes(id));
    expect(order).toEqual(tag);
    const second = await page('sort=lastBoundAt&dir=asc&pageSize=1&page=2');
    expect(second.body.rows).toHaveLength(1);
    expect(second.body.rows[0].userId).toBe(asc.body.rows[1].userId);

    const viewed = await h.knex('audit_log').where({ action: 'support.viewed', subject: 'queue:bindings' }).orderBy('seq', 'desc').first();
    expect(viewed).toMatchObject({ actor: 'support:viewer-vic', details: { page: 2, rows: 1 } });
    expect((await page('sort=userId')).status).toBe(422);
    expect((await page('nonsense=1')).status).toBe(422);
    expect((await page('pageSize=1000')).status).toBe(422);
    expect((await h.call('GET', '/api/support/console/queues/nothing', h.staff.tokens.viewer)).status).toBe(404);
    // The chat events queue names users and errors: agents only, as GET /api/support/line-events.
    expect((await h.call('GET', '/api/support/console/queues/line-events', h.staff.tokens.viewer)).status).toBe(403);
    expect((await h.call('GET', '/api/support/console/queues/line-events', h.staff.tokens.agent)).status).toBe(200);
  });
});
