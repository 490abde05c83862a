import { CURRENCIES } from '../../src/domain/money';
import { escrowAccountId, providerClearingAccountId, walletAccountId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import {
  activateWallet,
  createLink,
  dealInEscrow,
  eventually,
  orderState,
  payThroughOtp,
  readyBuyer,
  sendPaymentEvent,
  type Party,
  orderRow,
} from '../support/deal-steps';

/**
 * Issue 9, findings 3 and 18: every currency settles (release, refund, split) into the seller's
 * wallet account of that currency; a settlement step the provider refuses, an amount that does
 * not add up, or a charge result that never comes parks the deal — visible, money untouched —
 * until a person acts. Conservation is checked over the whole ledger after each case.
 */
describe('settlement in every currency, and parking', () => {
  let h: DealHarness;
  let seller: Party;
  const agent = () => h.staff.tokens.agent;
  const PRICES: Record<string, number> = { TWD: 1200, JPY: 3000, THB: 5000, USD: 2500 };

  beforeAll(async () => {
    h = await startDealHarness({ env: { CHARGE_RESULT_WAIT_MS: '1500' } });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const posted = async (account: string) => {
    if (!(await h.ledger.lookupAccount(account))) return { net: 0, pendingDebits: 0 }; // opened by the first deal that needs it
    const b = await h.ledger.balance(account);
    return { net: b.creditsPostedMinor - b.debitsPostedMinor, pendingDebits: b.debitsPendingMinor };
  };
  const ledgerBalanced = async () => {
    for (const [currency, totals] of Object.entries(await h.ledger.totalsByCurrency())) {
      expect({ currency, netPosted: totals.netPostedMinor, netPending: totals.netPendingMinor }).toEqual({
        currency,
        netPosted: 0,
        netPending: 0,
      });
    }
  };
  const refundsOf = (code: string) =>
    [...h.payments.state.refunds.values()].filter((r) => r.reference === code).map((r) => r.refund.amountMinor);

  describe.each(CURRENCIES.map((c) => [c]))('%s', (currency) => {
    const total = PRICES[currency]!;

    it("released on the buyer's agreement into the seller's wallet in that currency", async () => {
      const { link, buyer } = await dealInEscrow(h, seller, { name: `Kettle ${currency}`, unitPriceMinor: total, quantity: 1, currency });
      const before = await posted(walletAccountId(seller.userId, currency));
      expect((await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' })).body).toEqual({
        outcome: 'releasing',
      });
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
      expect((await posted(walletAccountId(seller.userId, currency))).net - before.net).toBe(total);
      expect((await posted(escrowAccountId(link.paymentCode))).net).toBe(0);
      expect((await h.ledger.lookupAccount(walletAccountId(seller.userId, currency)))?.currency).toBe(currency);
      await ledgerBalanced();
    });

    it.each([
      ['refund', 0, total],
      ['split', total - Math.floor(total / 3), Math.floor(total / 3)],
    ] as const)('resolved by %s', async (resolution, sellerAmountMinor, buyerAmountMinor) => {
      const { link, buyer } = await dealInEscrow(h, seller, { name: `Lamp ${currency}`, unitPriceMinor: total, quantity: 1, currency });
      await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'not as described' });
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
      const walletBefore = await posted(walletAccountId(seller.userId, currency));
      const clearingBefore = await posted(providerClearingAccountId(currency));
      const res = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
        resolution,
        sellerAmountMinor,
        buyerAmountMinor,
      });
      expect(res.body).toEqual({ outcome: 'resolving' });
      await eventually(async () => (await orderState(h, link.paymentCode)) === (sellerAmountMinor > 0 ? 'completed' : 'refunded'));
      expect((await posted(walletAccountId(seller.userId, currency))).net - walletBefore.net).toBe(sellerAmountMinor);
      expect((await posted(providerClearingAccountId(currency))).net - clearingBefore.net).toBe(buyerAmountMinor);
      expect((await posted(escrowAccountId(link.paymentCode))).net).toBe(0);
      expect(refundsOf(link.paymentCode)).toEqual([buyerAmountMinor]);
      await ledgerBalanced();
    });
  });

  it("a refund the provider refuses parks the deal with its money untouched; a person's retry settles it once", async () => {
    const total = 4000;
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Old radio', unitPriceMinor: total, quantity: 1 });
    await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'broken' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
    // The provider will refuse refunds of this charge (it says the charge is not refundable).
    const record = [...h.payments.state.charges.values()].find((c) => c.charge.reference === link.paymentCode)!;
    record.charge.status = 'failed';
    const walletBefore = await posted(walletAccountId(seller.userId, 'TWD'));
    await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
      resolution: 'split',
      sellerAmountMinor: 2500,
      buyerAmountMinor: 1500,
    });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'parked');

    const row = await orderRow(h, link.paymentCode);
    expect(row.park_reason).toBe('settlement_refused');
    expect(
      (await h.call('GET', '/api/support/parked', agent())).body.parked.map((p: { payment_code: string }) => p.payment_code),
    ).toContain(link.paymentCode);
    expect(await posted(escrowAccountId(link.paymentCode))).toEqual({ net: total, pendingDebits: 0 }); // holds voided: untouched
    expect((await posted(walletAccountId(seller.userId, 'TWD'))).net).toBe(walletBefore.net);
    expect(refundsOf(link.paymentCode)).toEqual([]);
    expect(h.chat.kindsTo(buyer.userId)).toContain('deal_parked');
    expect(h.chat.kindsTo(seller.userId)).toContain('deal_parked');
    const view = await h.client.workflow.getHandle(`order:${link.paymentCode}`).describe();
    expect(view.status.name).toBe('RUNNING'); // parked, not failed
    expect(view.searchAttributes?.OrderState).toEqual(['parked']);
    // Only the actions that fit the reason are accepted.
    expect(
      (await h.call('POST', `/api/support/orders/${link.paymentCode}/parked-resolution`, agent(), { action: 'refund', note: 'x' })).status,
    ).toBe(422);

    record.charge.status = 'succeeded'; // the provider fixed it
    const retried = await h.call('POST', `/api/support/orders/${link.paymentCode}/parked-resolution`, agent(), {
      action: 'retry',
      note: 'provider fixed the charge',
    });
    expect(retried.body).toEqual({ outcome: 'retrying' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
    expect((await posted(walletAccountId(seller.userId, 'TWD'))).net - walletBefore.net).toBe(2500);
    expect(await posted(escrowAccountId(link.paymentCode))).toEqual({ net: 0, pendingDebits: 0 });
    expect(refundsOf(link.paymentCode)).toEqual([1500]);
    const audit = await h.knex('audit_log').where({ subject: link.paymentCode }).orderBy('seq').select('actor', 'action', 'details');
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['order.parked', 'order.completed']));
    expect(audit.find((a) => a.actor === 'support:agent-amy')?.details.note).toBe('provider fixed the charge');
    await ledgerBalanced();
  });

  it('an amount that does not add up parks before anything is released; support refunds what was charged', async () => {
    const total = 3500;
    h.payments.state.faults.set({ dropCallbacks: true }); // the provider's own callback never comes; we send its (wrong) one
    try {
      const link = await createLink(h, seller, { name: 'Desk', unitPriceMinor: total, quantity: 1 });
      const buyer = await readyBuyer(h);
      await payThroughOtp(h, buyer, link);
      const charge = [...h.payments.state.charges.values()].find((c) => c.charge.reference === link.paymentCode)!.charge;
      const sent = await sendPaymentEvent(h, {
        id: `evt_mismatch_${link.paymentCode}`,
        type: 'charge.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: {
          chargeId: charge.id,
          reference: link.paymentCode,
          amountMinor: total - 500,
          currency: 'TWD',
          checkoutSessionId: charge.checkoutSessionId,
        },
      });
      expect(sent.status).toBe(200);
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'parked');
      expect((await orderRow(h, link.paymentCode)).park_reason).toBe('amount_mismatch');
      expect(h.chat.kindsTo(buyer.userId)).not.toContain('stage_one');
      expect(await posted(escrowAccountId(link.paymentCode))).toEqual({ net: total - 500, pendingDebits: 0 }); // what was taken is held
      // Silence cannot release it: the decision window never started.
      expect((await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' })).status).toBe(409);

      const res = await h.call('POST', `/api/support/orders/${link.paymentCode}/parked-resolution`, agent(), {
        action: 'refund',
        note: 'charged the wrong amount',
      });
      expect(res.body).toEqual({ outcome: 'refunding' });
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'refunded');
      expect(refundsOf(link.paymentCode)).toEqual([total - 500]);
      expect(await posted(escrowAccountId(link.paymentCode))).toEqual({ net: 0, pendingDebits: 0 });
      await ledgerBalanced();
    } finally {
      h.payments.state.faults.reset();
    }
  });

  it('a charge whose result never comes is asked of the provider; still pending, it parks until a person retries', async () => {
    h.payments.state.faults.set({ dropCallbacks: true });
    try {
      // The provider answers on its own for this one: its charge settled, only the callback was lost.
      const first = await createLink(h, seller, { name: 'Chair', unitPriceMinor: 900, quantity: 1 });
      await payThroughOtp(h, await readyBuyer(h), first);
      await eventually(async () => (await orderState(h, first.paymentCode)) === 'escrow');

      // This one stays pending at the provider.
      const link = await createLink(h, seller, { name: 'Table', unitPriceMinor: 1900, quantity: 1 });
      const buyer = await readyBuyer(h);
      const pendingAtProvider = setInterval(() => {
        for (const c of h.payments.state.charges.values()) if (c.charge.reference === link.paymentCode) c.charge.status = 'pending';
      }, 5);
      try {
        await payThroughOtp(h, buyer, link);
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'parked');
        expect((await orderRow(h, link.paymentCode)).park_reason).toBe('charge_result_missing');
        expect(await h.ledger.lookupAccount(escrowAccountId(link.paymentCode))).toBeNull(); // nothing booked
      } finally {
        clearInterval(pendingAtProvider);
      }
      for (const c of h.payments.state.charges.values()) if (c.charge.reference === link.paymentCode) c.charge.status = 'succeeded';
      await h.call('POST', `/api/support/orders/${link.paymentCode}/parked-resolution`, agent(), {
        action: 'retry',
        note: 'asked the provider again',
      });
      await eventually(async () => (await orderState(h, link.paymentCode)) === 'escrow');
      expect((await posted(escrowAccountId(link.paymentCode))).net).toBe(1900);
    } finally {
      h.payments.state.faults.reset();
    }
  });
});
