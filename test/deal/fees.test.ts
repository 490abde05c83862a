import { CURRENCIES, type Currency } from '../../src/domain/money';
import { escrowAccountId, feeAccountId, providerClearingAccountId, walletAccountId } from '../../src/domain/ids';
import { feeFor, settleWithFee, type FeePayer } from '../../src/deal/fees';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, lastMessage, orderRow, orderState, type Party } from '../support/deal-steps';

/**
 * The platform fee through the whole deal: quoted on the link card and the payment info, charged
 * (when the buyer pays it) at the hosted checkout, booked to the fee account at release; no fee on
 * a refund, pro rata on a split. After each case the whole ledger nets to zero per currency, and
 * what the provider took equals what the seller, the fee account and the buyer's refund got.
 */
const PRICES: Record<Currency, number> = { TWD: 1200, JPY: 3000, THB: 5000, USD: 2500 };
const POLICY = { bps: 300, minMinor: 20 } as const;

describe('the fee rule', () => {
  it('is the percentage rounded half up, at least the minimum, never more than the total', () => {
    expect(feeFor(1000, { bps: 250, minMinor: 10, payer: 'seller' })).toEqual({ feeMinor: 25, payer: 'seller' });
    expect(feeFor(1020, { bps: 250, minMinor: 10, payer: 'seller' }).feeMinor).toBe(26); // 25.5 → 26
    expect(feeFor(100, { bps: 250, minMinor: 10, payer: 'buyer' }).feeMinor).toBe(10);
    expect(feeFor(5, { bps: 250, minMinor: 10, payer: 'seller' }).feeMinor).toBe(5);
  });

  it('shares out exactly what was charged for the largest deals (no floating-point loss)', () => {
    const total = 1_000_000_000;
    const fee = feeFor(total, { bps: 250, minMinor: 10, payer: 'buyer' });
    const split = settleWithFee(total, fee, 333_333_333, total - 333_333_333);
    expect(split.sellerMinor + split.feeMinor + split.buyerMinor).toBe(total + fee.feeMinor);
    expect(split.feeMinor).toBe(Math.floor((25_000_000 * 333_333_333) / 1_000_000_000));
  });
});

describe.each(['seller', 'buyer'] as FeePayer[])('platform fee paid by the %s', (payer) => {
  let h: DealHarness;
  let seller: Party;
  const agent = () => h.staff.tokens.agent;

  beforeAll(async () => {
    const fees = Object.fromEntries(CURRENCIES.map((c) => [c, { ...POLICY, payer }]));
    h = await startDealHarness({ env: { PLATFORM_FEES: JSON.stringify(fees) } });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const net = async (account: string) => {
    if (!(await h.ledger.lookupAccount(account))) return 0;
    const b = await h.ledger.balance(account);
    return b.creditsPostedMinor - b.debitsPostedMinor;
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
    [...h.payments.state.refunds.values()].filter((r) => r.reference === code).reduce((sum, r) => sum + r.refund.amountMinor, 0);
  const chargedFor = (code: string) =>
    [...h.payments.state.charges.values()]
      .filter((c) => c.charge.reference === code && c.charge.status === 'succeeded')
      .reduce((sum, c) => sum + c.charge.amountMinor, 0);

  describe.each(CURRENCIES.map((c) => [c]))('%s', (currency) => {
    const total = PRICES[currency];
    const fee = feeFor(total, { ...POLICY, payer });

    it.each([
      ['release', total, 0],
      ['refund', 0, total],
      ['split', total - Math.floor(total / 3), Math.floor(total / 3)],
    ] as const)('%s: seller, fee account and refund add up to what the buyer paid', async (how, sellerGoods, buyerGoods) => {
      const { link, buyer } = await dealInEscrow(h, seller, { name: `Vase ${currency}`, unitPriceMinor: total, quantity: 1, currency });
      // Quoted before paying, on the seller's link card and the buyer's payment info.
      expect(lastMessage(h, seller.userId, 'link_created').fee).toEqual(fee);
      const info = h.chat
        .messagesTo(buyer.userId)
        .find((m) => m.kind === 'payment_info' && m.product.transactionCode === link.transactionCode);
      expect(info).toMatchObject({ fee });
      const charged = chargedFor(link.paymentCode);
      expect(charged).toBe(payer === 'buyer' ? total + fee.feeMinor : total);
      expect(await net(escrowAccountId(link.paymentCode))).toBe(charged);

      const walletBefore = await net(walletAccountId(seller.userId, currency));
      const feesBefore = await net(feeAccountId(currency));
      const clearingBefore = await net(providerClearingAccountId(currency));
      if (how === 'release') {
        await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'agree' });
      } else {
        await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'not as described' });
        await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
        const res = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
          resolution: how,
          sellerAmountMinor: sellerGoods,
          buyerAmountMinor: buyerGoods,
        });
        expect(res.body).toEqual({ outcome: 'resolving' });
      }
      await eventually(async () => ['completed', 'refunded'].includes((await orderState(h, link.paymentCode)) ?? ''));

      const expected = settleWithFee(total, fee, sellerGoods, buyerGoods);
      const paidToSeller = (await net(walletAccountId(seller.userId, currency))) - walletBefore;
      const toFees = (await net(feeAccountId(currency))) - feesBefore;
      const backToBuyer = (await net(providerClearingAccountId(currency))) - clearingBefore;
      expect({ paidToSeller, toFees, backToBuyer }).toEqual({
        paidToSeller: expected.sellerMinor,
        toFees: expected.feeMinor,
        backToBuyer: expected.buyerMinor,
      });
      if (how === 'release') expect(toFees).toBe(fee.feeMinor);
      if (how === 'refund') expect({ toFees, backToBuyer }).toEqual({ toFees: 0, backToBuyer: charged }); // a refund takes no fee
      expect(paidToSeller + toFees + backToBuyer).toBe(charged);
      expect(refundsOf(link.paymentCode)).toBe(backToBuyer);
      expect(await net(escrowAccountId(link.paymentCode))).toBe(0);
      const row = await orderRow(h, link.paymentCode);
      expect({ fee: Number(row.fee_minor), seller: Number(row.seller_paid_minor), payer: row.fee_payer }).toEqual({
        fee: expected.feeMinor,
        seller: expected.sellerMinor,
        payer,
      });
      await ledgerBalanced();
    });
  });
});
