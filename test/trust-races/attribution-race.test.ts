import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, createLink, eventually, fixtureReadyBuyers, type Party, orderRow } from '../support/deal-steps';

/**
 * Issue 9, finding 2: many buyers request payment on one code at once. Exactly one is
 * attributed; each refused buyer is told once; the seller is told once per refused buyer (no
 * digest); and no X-Line-Retry-Key ever reaches LINE with two different bodies (LINE would keep
 * the first and answer 409 to the rest, and the rest would be lost).
 */
describe('attribution race through the LINE contract', () => {
  let h: DealHarness;
  let seller: Party;
  beforeAll(async () => {
    h = await startDealHarness();
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  for (const buyerCount of [50, 200]) {
    it(`${buyerCount} concurrent buyers on one code`, async () => {
      const link = await createLink(h, seller, { name: `Race ${buyerCount}`, unitPriceMinor: 500, quantity: 1 });
      const buyers = await fixtureReadyBuyers(h, buyerCount, `racer-${buyerCount}`);
      const sellerBefore = h.line.state.messagesTo(seller.userId).length;

      // Each buyer's page sends one request and, told the order is busy (429), comes back after Retry-After.
      const answers = await Promise.all(
        buyers.map(async (b) => {
          for (;;) {
            const res = await h.call('POST', `/api/orders/${link.paymentCode}/payment-requests`, b.token, {
              dynamicPassword: link.dynamicPassword,
            });
            if (res.status !== 429) return res;
            await new Promise((r) => setTimeout(r, 1000 * Number(res.headers['retry-after'] ?? 1)));
          }
        }),
      );
      const outcomes = answers.map((a) => a.body.outcome ?? `${a.status}:${a.body.title}:${a.body.detail}`);
      const tally: Record<string, number> = {};
      for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
      expect(Object.keys(tally).sort()).toEqual(['attribution_error', 'payment_info']);
      expect(outcomes.filter((o) => o === 'payment_info')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'attribution_error')).toHaveLength(buyerCount - 1);

      const winner = buyers[outcomes.indexOf('payment_info')]!;
      const row = await orderRow(h, link.paymentCode);
      expect(row.buyer_id).toBe(winner.userId);
      const refused = buyers.filter((b) => b !== winner);

      // What LINE delivered: each refused buyer exactly one message; the seller one per refused buyer.
      await eventually(async () => h.line.state.messagesTo(seller.userId).length - sellerBefore >= refused.length, 60_000);
      await new Promise((r) => setTimeout(r, 500)); // a late duplicate would land now
      for (const b of refused)
        expect({ buyer: b.displayName, messages: h.line.state.messagesTo(b.userId).length }).toEqual({ buyer: b.displayName, messages: 1 });
      const sellerTexts = h.line.state
        .messagesTo(seller.userId)
        .slice(sellerBefore)
        .map((m) => JSON.stringify(m.message));
      expect(sellerTexts).toHaveLength(refused.length);
      for (const b of refused) {
        expect({ buyer: b.displayName, notices: sellerTexts.filter((t) => t.includes(`"${b.displayName}"`)).length }).toEqual({
          buyer: b.displayName,
          notices: 1,
        });
      }
      // No raw LINE user id of another user is ever shown to the seller.
      for (const b of refused) expect(sellerTexts.join('\n')).not.toContain(b.userId);

      // The LINE contract: no retry key ever carried two different bodies.
      expect(h.line.state.retryKeysWithTwoBodies()).toEqual([]);
    });
  }
});
