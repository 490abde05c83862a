import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, readyBuyer } from '../support/deal-steps';

/**
 * Finding 12 (api views): nobody is shown another user's LINE user id. Before a code is claimed
 * a logged-in holder of the link sees what is for sale and the seller's display name; once it
 * is attributed, a non-party learns nothing, not even that the order exists (404).
 */
describe('order views for parties and non-parties', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows display names instead of platform ids, and hides attributed orders from non-parties', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    await h.knex('users').where({ user_id: seller.userId }).update({ display_name: 'Mei the seller' });
    const link = await createLink(h, seller, { name: 'camera', unitPriceMinor: 5000, quantity: 1, currency: 'TWD' });
    const stranger = await h.newUser();
    const path = `/api/orders/${link.paymentCode}`;

    const before = await h.call('GET', path, stranger.token);
    expect(before.status).toBe(200);
    expect(JSON.stringify(before.body)).not.toContain(seller.userId);
    expect(before.body).toMatchObject({
      state: 'awaiting_buyer',
      viewer: 'visitor',
      seller: { displayName: 'Mei the seller' },
      product: { productName: 'camera' },
    });

    const buyer = await readyBuyer(h);
    await h.knex('users').where({ user_id: buyer.userId }).update({ display_name: 'Bo the buyer' });
    const requested = await h.call('POST', `${path}/payment-requests`, buyer.token, { dynamicPassword: link.dynamicPassword });
    expect(requested.body.outcome).toBe('payment_info');

    const after = await h.call('GET', path, stranger.token);
    expect([after.status, after.contentType]).toEqual([404, expect.stringContaining('application/problem+json')]);
    expect(JSON.stringify(after.body)).not.toMatch(/awaiting|state|U[0-9a-f]{32}/);

    const asBuyer = await h.call('GET', path, buyer.token);
    expect(asBuyer.body).toMatchObject({ viewer: 'buyer', state: 'awaiting_payment', seller: { displayName: 'Mei the seller' } });
    expect(JSON.stringify(asBuyer.body)).not.toContain(seller.userId);

    const asSeller = await h.call('GET', path, seller.token);
    expect(asSeller.body).toMatchObject({ viewer: 'seller', state: 'awaiting_payment', buyer: { displayName: 'Bo the buyer' } });
    expect(JSON.stringify(asSeller.body)).not.toContain(buyer.userId);

    const sellerList = await h.call('GET', '/api/orders', seller.token);
    expect(sellerList.body.orders).toEqual([
      expect.objectContaining({ payment_code: link.paymentCode, role: 'seller', counterpart: 'Bo the buyer' }),
    ]);
    expect(JSON.stringify(sellerList.body)).not.toContain(buyer.userId);
    const buyerList = await h.call('GET', '/api/orders', buyer.token);
    expect(buyerList.body.orders).toEqual([
      expect.objectContaining({ payment_code: link.paymentCode, role: 'buyer', counterpart: 'Mei the seller' }),
    ]);
    expect(JSON.stringify(buyerList.body)).not.toContain(seller.userId);
  });

  it('a seller without a known display name is shown without any id', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const link = await createLink(h, seller, { name: 'lens', unitPriceMinor: 700, quantity: 2, currency: 'TWD' });
    const visitor = await h.newUser();
    const view = await h.call('GET', `/api/orders/${link.paymentCode}`, visitor.token);
    expect(view.status).toBe(200);
    expect(view.body.seller).toEqual({ displayName: null });
    expect(JSON.stringify(view.body)).not.toContain(seller.userId);
  });
});
