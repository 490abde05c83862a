import { orderWorkflowId } from '../../src/domain/ids';
import { STRINGS } from '../../src/line/render';
import { eventually, orderRow } from '../support/deal-steps';
import { postbackData, seenBy } from './chat-view';
import { dealInEscrow } from './escrow-deal';
import { startLineDealHarness, type LineDealHarness } from './harness';

/**
 * Finding 18 (LINE): a message LINE refuses for good (here: 400 for a push to a user id LINE no
 * longer knows, the seller having deleted their account mid-deal) is recorded as undeliverable
 * and the deal goes on. Before, the refusal was an ordinary error: the step's local activity
 * retried it for ever and the deal never settled.
 */
const zh = STRINGS['zh-TW'];

describe('a deal whose messages LINE refuses for good', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('settles; each refused message is tried once and recorded undeliverable; the other party is told', async () => {
    const { seller, buyer, link, buttons } = await dealInEscrow(h, { name: 'desk lamp', unitPriceMinor: 800 });

    h.line.state.forgetUser(seller.userId);
    const refusedBefore = h.chatFailures.length;
    await h.tap(buyer.userId, buttons.agree);
    // Agree asks first: the buyer confirms with the quick reply.
    let confirm: string | undefined;
    await eventually(async () => (confirm = postbackData(seenBy(h.line, buyer.userId), 'confirm_agree')) !== undefined);
    await h.tap(buyer.userId, confirm!);

    // The deal ran to its end: the settling step finished (its messages included) and the workflow closed.
    const workflow = h.client.workflow.getHandle(orderWorkflowId(link.paymentCode));
    await eventually(async () => (await workflow.describe()).status.name === 'COMPLETED');
    expect((await orderRow(h, link.paymentCode)).state).toBe('completed');
    for (const title of [zh.title.stage_two, zh.title.transaction_result]) {
      expect(seenBy(h.line, buyer.userId).filter((m) => m.text.includes(title))).toHaveLength(1);
    }

    const deliveries = await h
      .knex('chat_deliveries')
      .where('retry_key', 'like', `${orderWorkflowId(link.paymentCode)}:%`)
      .select('retry_key', 'to_user_id', 'kind', 'status', 'error');
    const toSeller = deliveries.filter(
      (d) => d.to_user_id === seller.userId && d.kind !== 'stage_one' && d.kind !== 'pending_payment_info',
    );
    const refused = h.chatFailures.slice(refusedBefore).filter((f) => f.outgoing.to === seller.userId);
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) expect((f.error as Error).name).toBe('ChatRefused');
    // Tried once each: no retry of a refusal.
    const keys = refused.map((f) => f.outgoing.retryKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(toSeller.find((d) => d.retry_key === key)).toMatchObject({ status: 'undeliverable', error: expect.stringContaining('400') });
    }
    expect(deliveries.filter((d) => d.to_user_id === buyer.userId).every((d) => d.status === 'delivered')).toBe(true);
  });
});
