import { recordDecisionIntent } from '../../src/deal/decision-intents';
import { releaseTransferId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, orderState, type Party } from '../support/deal-steps';

/**
 * Issue 9, finding 8: a decision the buyer took before the window closed, which reached our
 * database (the chat inbox or the api kept it) but not the workflow in time — Temporal was down —
 * is honoured when the window closes: a dispute is never turned into a release by an outage.
 */
describe('a decision taken in time but relayed late', () => {
  let h: DealHarness;
  let seller: Party;
  beforeAll(async () => {
    h = await startDealHarness({ env: { DECISION_WINDOW_MS: '2500' } });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a dispute kept before the deadline opens the dispute when the window closes', async () => {
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Outage vase', unitPriceMinor: 800, quantity: 1 });
    // What the inbox writes when the tap arrives, before it tries (and, Temporal being down, fails) to relay it.
    await recordDecisionIntent(h.knex, {
      sourceId: `line:outage-${link.paymentCode}`,
      paymentCode: link.paymentCode,
      buyerId: buyer.userId,
      decision: 'dispute',
      reason: 'disputed in chat',
      decidedAt: new Date(),
    });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
    expect(await h.ledger.lookupTransfer(releaseTransferId(link.paymentCode, 1))).toBeNull();
    await eventually(
      async () => h.chat.kindsTo(buyer.userId).includes('dispute_opened') && h.chat.kindsTo(seller.userId).includes('dispute_opened'),
    );
  });

  it("one taken after the deadline does not change a silent release, nor does someone else's", async () => {
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Late vase', unitPriceMinor: 800, quantity: 1 });
    const view = (await h.client.workflow.getHandle(`order:${link.paymentCode}`).query('orderView')) as { decisionDeadlineMs: number };
    await recordDecisionIntent(h.knex, {
      sourceId: `line:late-${link.paymentCode}`,
      paymentCode: link.paymentCode,
      buyerId: buyer.userId,
      decision: 'dispute',
      decidedAt: new Date(view.decisionDeadlineMs + 60_000),
    });
    await recordDecisionIntent(h.knex, {
      sourceId: `line:other-${link.paymentCode}`,
      paymentCode: link.paymentCode,
      buyerId: seller.userId,
      decision: 'dispute',
      decidedAt: new Date(),
    });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'completed');
    expect(await h.ledger.lookupTransfer(releaseTransferId(link.paymentCode, 1))).not.toBeNull();
  });
});
