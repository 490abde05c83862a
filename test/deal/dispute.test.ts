import { escrowAccountId, providerClearingAccountId, walletAccountId } from '../../src/domain/ids';
import { recordHistory } from '../support/histories';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, eventually, payThroughOtp, readyBuyer, type Party, orderRow } from '../support/deal-steps';

/** S205 and claim 6: a dispute waits for support, who release, refund or split; money follows exactly. */
describe('disputes', () => {
  let h: DealHarness;
  let seller: Party;
  const agent = () => h.staff.tokens.agent;
  beforeAll(async () => {
    h = await startDealHarness({ env: { DISPUTE_ESCALATION_MS: '1500' } });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  const state = async (code: string) => (await orderRow(h, code)).state;
  const balance = async (account: string) => {
    const b = await h.ledger.balance(account);
    return b.creditsPostedMinor - b.debitsPostedMinor;
  };

  async function disputedDeal(totalMinor: number) {
    const link = await createLink(h, seller, { name: 'Ceramic vase', unitPriceMinor: totalMinor, quantity: 1 });
    const buyer = await readyBuyer(h);
    await payThroughOtp(h, buyer, link);
    await eventually(async () => (await state(link.paymentCode)) === 'escrow');
    const res = await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, {
      decision: 'dispute',
      reason: 'arrived cracked',
    });
    expect(res.body).toEqual({ outcome: 'disputed' });
    await eventually(async () => (await state(link.paymentCode)) === 'disputed');
    return { link, buyer };
  }

  it.each([
    ['release', 3000, 0, 'completed'],
    ['refund', 0, 3000, 'refunded'],
    ['split', 1800, 1200, 'completed'],
  ] as const)('%s: seller %i, buyer %i', async (resolution, sellerAmountMinor, buyerAmountMinor, finalState) => {
    const { link, buyer } = await disputedDeal(3000);
    expect(h.chat.kindsTo(buyer.userId)).toContain('dispute_opened');
    expect(h.chat.kindsTo(seller.userId)).toContain('dispute_opened');
    const queue = (await h.call('GET', '/api/support/disputes', agent())).body.disputes as Array<{
      payment_code: string;
      dispute_reason: string;
    }>;
    expect(queue.find((d) => d.payment_code === link.paymentCode)?.dispute_reason).toBe('arrived cracked');

    const sellerBefore = await balance(walletAccountId(seller.userId, 'TWD'));
    const clearingBefore = await balance(providerClearingAccountId('TWD'));
    const resolved = await h.call(
      'POST',
      `/api/support/orders/${link.paymentCode}/resolution`,
      agent(),
      { resolution, sellerAmountMinor, buyerAmountMinor },
      { 'idempotency-key': `resolve-${link.paymentCode}` },
    );
    expect(resolved.body).toEqual({ outcome: 'resolving' });
    // The same click again (same Idempotency-Key) is one resolution.
    const again = await h.call(
      'POST',
      `/api/support/orders/${link.paymentCode}/resolution`,
      agent(),
      { resolution, sellerAmountMinor, buyerAmountMinor },
      { 'idempotency-key': `resolve-${link.paymentCode}` },
    );
    expect(again.body).toEqual({ outcome: 'resolving' });
    await eventually(async () => (await state(link.paymentCode)) === finalState);

    expect(await balance(escrowAccountId(link.paymentCode))).toBe(0);
    expect((await balance(walletAccountId(seller.userId, 'TWD'))) - sellerBefore).toBe(sellerAmountMinor);
    expect((await balance(providerClearingAccountId('TWD'))) - clearingBefore).toBe(buyerAmountMinor);
    const refunds = [...h.payments.state.refunds.values()].filter((r) => r.reference === link.paymentCode);
    expect(refunds.map((r) => r.refund.amountMinor)).toEqual(buyerAmountMinor > 0 ? [buyerAmountMinor] : []); // refunded once at the provider
    const result = h.chat.messagesTo(buyer.userId).find((m) => m.kind === 'transaction_result') as {
      outcome: string;
      buyerRefundedMinor: number;
    };
    expect(result).toMatchObject({
      outcome: resolution === 'release' ? 'released' : resolution === 'refund' ? 'refunded' : 'split',
      buyerRefundedMinor: buyerAmountMinor,
    });
    await recordHistory(h, `order:${link.paymentCode}`, `dispute-${resolution}`);
  });

  it('amounts that do not add up to the total are refused and change nothing', async () => {
    const { link } = await disputedDeal(1000);
    const bad = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
      resolution: 'split',
      sellerAmountMinor: 600,
      buyerAmountMinor: 600,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toContain('adding up to 1000');
    const mislabelled = await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
      resolution: 'refund',
      sellerAmountMinor: 1000,
      buyerAmountMinor: 0,
    });
    expect(mislabelled.status).toBe(422);
    expect(await state(link.paymentCode)).toBe('disputed');
    expect(await balance(escrowAccountId(link.paymentCode))).toBe(1000);
  });

  it('an unresolved dispute is escalated, and the money still waits for a person', async () => {
    const { link, buyer } = await disputedDeal(700);
    await eventually(async () => h.chat.kindsTo(buyer.userId).includes('dispute_escalated'), 10_000);
    expect(await state(link.paymentCode)).toBe('disputed');
    expect(await balance(escrowAccountId(link.paymentCode))).toBe(700);
    await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent(), {
      resolution: 'release',
      sellerAmountMinor: 700,
      buyerAmountMinor: 0,
    });
    await eventually(async () => (await state(link.paymentCode)) === 'completed');
  });
});
