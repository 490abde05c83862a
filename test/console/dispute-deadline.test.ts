import { orderWorkflowId } from '../../src/domain/ids';
import { orderViewQuery } from '../../workflows/order-messages';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, orderState } from '../support/deal-steps';
import { recordHistory } from '../support/histories';

/**
 * Issue 11: support extends a dispute's deadline; the workflow moves its own escalation timer.
 * Two disputes opened together with a short DISPUTE_ESCALATION_MS: the one left alone escalates,
 * the extended one, with the same original deadline, does not.
 */
describe('extending a dispute deadline', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness({ env: { DISPUTE_ESCALATION_MS: '4000' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const dispute = async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Desk', unitPriceMinor: 3000, quantity: 1 });
    await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'scratched top' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
    return link.paymentCode;
  };
  const view = (code: string) => h.client.workflow.getHandle(orderWorkflowId(code)).query(orderViewQuery);
  const extend = (code: string, body: unknown, who: 'agent' | 'viewer' = 'agent') =>
    h.call('POST', `/api/support/console/deals/${code}/deadline`, h.staff.tokens[who], body);

  it('the extended dispute waits past its first deadline while the other escalates; refusals change nothing', async () => {
    const [left, extended] = await Promise.all([dispute(), dispute()]);
    await eventually(async () => (await view(extended)).dispute?.deadlineMs !== undefined);
    const before = (await view(extended)).dispute!;

    expect((await extend(extended, { extendByHours: 2, reason: 'waiting for the seller' }, 'viewer')).status).toBe(403);
    expect((await extend(extended, { extendByHours: 0, reason: 'x' })).status).toBe(422);
    expect((await extend(extended, { extendByHours: 2 })).status).toBe(422);
    const done = await extend(extended, { extendByHours: 2, reason: 'waiting for the seller' });
    expect(done.status).toBe(200);
    expect(Date.parse(done.body.deadline)).toBe(before.deadlineMs! + 2 * 3_600_000);
    expect((await view(extended)).dispute!.deadlineMs).toBe(before.deadlineMs! + 2 * 3_600_000);
    const row = await h.knex('orders').where({ payment_code: extended }).first('dispute_deadline_at');
    expect(row?.dispute_deadline_at?.getTime()).toBe(before.deadlineMs! + 2 * 3_600_000);

    await eventually(async () => (await view(left)).dispute?.escalated === true, 30_000);
    const escalatedTo = (code: string) =>
      h.knex('chat_deliveries').where('retry_key', 'like', `order:${code}:%`).where({ kind: 'dispute_escalated' });
    await eventually(async () => (await escalatedTo(left)).length === 2);
    expect((await view(extended)).dispute!.escalated).toBe(false);
    expect(await escalatedTo(extended)).toHaveLength(0);

    // Resolved, or already escalated: nothing left to extend.
    expect((await extend(left, { extendByHours: 1, reason: 'late' })).status).toBe(409);
    const audit = await h.knex('audit_log').where({ subject: `order:${extended}`, action: 'support.deadline_extended' });
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ extendByHours: 2, reason: 'waiting for the seller' });

    // Both settle by a person's split with a note; their histories (conversation, extension, escalation) are golden.
    for (const code of [extended, left]) {
      const resolved = await h.call('POST', `/api/support/orders/${code}/resolution`, h.staff.tokens.agent, {
        resolution: 'split',
        sellerAmountMinor: 1000,
        buyerAmountMinor: 2000,
        note: 'scratch confirmed; a third to the seller',
      });
      expect(resolved.status).toBe(200);
      await eventually(async () => (await orderState(h, code)) === 'completed');
    }
    await recordHistory(h, orderWorkflowId(extended), 'dispute-deadline-extended');
    await recordHistory(h, orderWorkflowId(left), 'dispute-escalated-with-note');
  });
});
