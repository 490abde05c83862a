import { escrowAccountId, providerClearingAccountId, walletAccountId } from '../../src/domain/ids';
import { recordHistory } from '../support/histories';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, eventually, payThroughOtp, readyBuyer, orderRow } from '../support/deal-steps';

describe('a whole deal through the api, the worker and the real Temporal server', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('pays, holds in escrow, releases on agreement, and tells both parties every step', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const buyer = await readyBuyer(h);
    const link = await createLink(h, seller, { name: 'Handmade tea cup', unitPriceMinor: 4500, quantity: 2 });
    expect(h.chat.kindsTo(seller.userId)).toContain('link_created');

    await payThroughOtp(h, buyer, link);
    // S108: the payment info shows the ATM account the provider issued for this order, with its expiry.
    const info = h.chat.messagesTo(buyer.userId).find((m) => m.kind === 'payment_info') as any;
    const session = [...h.payments.state.sessions.values()].find((r) => r.session.reference === link.paymentCode)!.session;
    expect(info.paymentAccount).toBeUndefined();
    expect(info.virtualAccount).toEqual({
      bankCode: session.virtualAccount!.bankCode,
      accountNumber: session.virtualAccount!.accountNumber,
      amountMinor: 9000,
      currency: 'TWD',
      expiresAt: new Date(session.virtualAccount!.expiresAt * 1000).toISOString(),
    });
    await eventually(async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.state === 'escrow');
    // The checkout is the buyer's: the seller's view does not carry it.
    expect((await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.checkout.sessionId).toBe(session.id);
    expect((await h.call('GET', `/api/orders/${link.paymentCode}`, seller.token)).body.checkout).toBeUndefined();

    const escrow = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrow.creditsPostedMinor - escrow.debitsPostedMinor).toBe(9000);

    const decided = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' });
    expect(decided.status).toBe(200);
    await eventually(async () => (await h.call('GET', `/api/orders/${link.paymentCode}`, buyer.token)).body.state === 'completed');

    const sellerWallet = await h.ledger.balance(walletAccountId(seller.userId, 'TWD'));
    expect(sellerWallet.creditsPostedMinor - sellerWallet.debitsPostedMinor).toBe(9000);
    const escrowAfter = await h.ledger.balance(escrowAccountId(link.paymentCode));
    expect(escrowAfter.creditsPostedMinor - escrowAfter.debitsPostedMinor).toBe(0);
    const totals = await h.ledger.totalsByCurrency([
      escrowAccountId(link.paymentCode),
      walletAccountId(seller.userId, 'TWD'),
      providerClearingAccountId('TWD'),
    ]);
    expect(totals.TWD).toBeDefined();

    expect(h.chat.kindsTo(buyer.userId)).toEqual(
      expect.arrayContaining(['pending_payment_info', 'payment_info', 'otp', 'stage_one', 'stage_two', 'transaction_result']),
    );
    expect(h.chat.kindsTo(seller.userId)).toEqual(expect.arrayContaining(['stage_one', 'stage_two', 'transaction_result']));
    const row = await orderRow(h, link.paymentCode);
    expect(row.state).toBe('completed');
    expect(Number(row.seller_paid_minor)).toBe(9000);
    // 'happy-path' was recorded before the hosted checkout (a token charge): it stays, to prove those runs replay.
    await recordHistory(h, `order:${link.paymentCode}`, 'hosted-checkout');
  });
});
