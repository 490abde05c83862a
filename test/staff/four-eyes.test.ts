import { payoutWorkflowId } from '../../src/domain/ids';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually, type Party } from '../support/deal-steps';
import { available, emulators, fundWallet, verifiedParty } from '../money-out/steps';

/**
 * Four eyes (issue 11): a held payout - watch-listed, or above a review threshold - leaves only
 * when two different agents have approved its release. The first approval is recorded and
 * audited, the payout stays held; the same agent again is refused with a reason; a second agent
 * releases it. Through the real payout workflow, the api, the ledger and the payout provider.
 */
describe('four eyes on held payouts', () => {
  let h: DealHarness;
  let keys = 0;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const requestPayout = (party: Party, amountMinor: number) =>
    h.call(
      'POST',
      '/api/payouts',
      party.token,
      { amountMinor, currency: 'TWD' },
      { 'idempotency-key': `four-eyes-${Date.now()}-${(keys += 1)}` },
    );
  const stateOf = async (payoutId: string) => (await h.knex('payouts').where({ payout_id: payoutId }).first('state'))?.state;
  const untilState = (payoutId: string, state: string) => eventually(async () => (await stateOf(payoutId)) === state);
  const decide = (payoutId: string, who: 'agent' | 'secondAgent' | 'admin' | 'viewer', decision: 'release' | 'reject', key?: string) =>
    h.call(
      'POST',
      `/api/support/payouts/${payoutId}/${decision}`,
      undefined,
      { note: `${who} looked at it` },
      { ...h.staff.headers[who], ...(key ? { 'idempotency-key': key } : {}) },
    );
  const sentToProvider = (payoutId: string) =>
    [...emulators(h).payouts.state.payouts.values()].filter((r) => r.payout.reference === payoutWorkflowId(payoutId));
  const auditOf = (payoutId: string) =>
    h
      .knex('audit_log')
      .where({ subject: `payout:${payoutId}` })
      .orderBy('seq')
      .select('actor', 'action', 'details');

  async function watchListedPayout(amountMinor = 25_000) {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 30_000);
    const listed = await h.call(
      'POST',
      '/api/support/watchlist',
      undefined,
      { keyType: 'line_user_id', value: party.userId, reason: 'reported by the bank' },
      h.staff.headers.agent,
    );
    expect(listed.status).toBe(201);
    const { payoutId } = (await requestPayout(party, amountMinor)).body as { payoutId: string };
    await untilState(payoutId, 'held');
    return { party, payoutId };
  }

  it('a watch-listed payout: the first agent approves (audited, still held), the same agent again is refused, a second agent releases it', async () => {
    const { party, payoutId } = await watchListedPayout();

    const first = await decide(payoutId, 'agent', 'release');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ outcome: 'awaiting_second_approval', approvedBy: ['agent-amy'] });
    await eventually(
      async () => (await h.knex('payouts').where({ payout_id: payoutId }).first('release_approvals')).release_approvals.length === 1,
    );
    expect(await stateOf(payoutId)).toBe('held');
    expect(sentToProvider(payoutId)).toEqual([]);
    expect(await available(h, party.userId)).toBe(5_000); // still reserved, not gone

    const auditBefore = await auditOf(payoutId);
    const twice = await decide(payoutId, 'agent', 'release');
    expect(twice.status).toBe(409);
    expect(twice.contentType).toMatch(/application\/problem\+json/);
    expect(twice.body).toMatchObject({
      type: expect.stringMatching(/same-approver$/),
      detail: expect.stringMatching(/already approved.*different agent/),
    });
    expect(await auditOf(payoutId)).toEqual(auditBefore); // nothing written on the refusal
    expect((await h.knex('payouts').where({ payout_id: payoutId }).first('release_approvals')).release_approvals).toEqual(['agent-amy']);
    expect((await decide(payoutId, 'viewer', 'release')).status).toBe(403);

    const second = await decide(payoutId, 'secondAgent', 'release');
    expect(second.body).toEqual({ outcome: 'releasing' });
    await untilState(payoutId, 'paid');
    expect(sentToProvider(payoutId)).toHaveLength(1);
    expect(await available(h, party.userId)).toBe(5_000);

    const audit = await auditOf(payoutId);
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ['system:payout', 'payout.held'],
      ['support:agent-amy', 'payout.release_approved'],
      ['support:agent-ben', 'payout.released'],
      ['system:payout', 'payout.paid'],
    ]);
    expect(audit[1].details).toMatchObject({ note: 'agent looked at it', approvalsNeeded: 2, reasons: ['watch_list'] });
    expect(audit[2].details).toMatchObject({ approvedBy: ['agent-amy', 'agent-ben'] });
    const row = await h.knex('payouts').where({ payout_id: payoutId }).first('decided_by', 'release_approvals');
    expect(row).toEqual({ decided_by: 'agent-ben', release_approvals: ['agent-amy', 'agent-ben'] });
  });

  it('a payout above PAYOUT_REVIEW_THRESHOLD_MINOR needs two as well; an admin may be the second', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 9_000_000);
    const amount = h.settings.moneyOut.payoutReviewThresholdMinor + 1;
    const { payoutId } = (await requestPayout(party, amount)).body as { payoutId: string };
    await untilState(payoutId, 'held');
    expect((await h.knex('payouts').where({ payout_id: payoutId }).first('hold_reasons')).hold_reasons).toEqual(['amount_above_threshold']);

    expect((await decide(payoutId, 'admin', 'release')).body).toEqual({ outcome: 'awaiting_second_approval', approvedBy: ['admin-ada'] });
    expect(sentToProvider(payoutId)).toEqual([]);
    expect((await decide(payoutId, 'agent', 'release')).body).toEqual({ outcome: 'releasing' });
    await untilState(payoutId, 'paid');
    expect(await available(h, party.userId)).toBe(9_000_000 - amount);
  });

  it('after one approval any agent may still reject; the money comes back', async () => {
    const { party, payoutId } = await watchListedPayout();
    expect((await decide(payoutId, 'agent', 'release')).body.outcome).toBe('awaiting_second_approval');
    expect((await decide(payoutId, 'secondAgent', 'reject')).body).toEqual({ outcome: 'rejecting' });
    await untilState(payoutId, 'rejected');
    expect(await available(h, party.userId)).toBe(30_000);
    expect(sentToProvider(payoutId)).toEqual([]);
    expect((await auditOf(payoutId)).map((a) => a.action)).toEqual(['payout.held', 'payout.release_approved', 'payout.rejected']);
  });

  const TRIALS = 5;
  it(`the same agent clicking twice while a second agent approves, ${TRIALS} trials: one approval each, one payout`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const { payoutId } = await watchListedPayout(1_000 + trial);
      const answers = await Promise.all([
        decide(payoutId, 'agent', 'release', `amy-a-${payoutId}`),
        decide(payoutId, 'agent', 'release', `amy-b-${payoutId}`),
        decide(payoutId, 'secondAgent', 'release', `ben-${payoutId}`),
      ]);
      const [amyA, amyB, ben] = answers;
      // Exactly one of Amy's two clicks counts; the other is refused as the same approver.
      expect([amyA.status, amyB.status].sort()).toEqual([200, 409]);
      expect(ben.status).toBe(200);
      expect(answers.filter((a) => a.body.outcome === 'releasing')).toHaveLength(1);
      await untilState(payoutId, 'paid');
      expect(sentToProvider(payoutId)).toHaveLength(1);
      const approvals = (await h.knex('payouts').where({ payout_id: payoutId }).first('release_approvals')).release_approvals as string[];
      expect([...approvals].sort()).toEqual(['agent-amy', 'agent-ben']);
      expect((await auditOf(payoutId)).map((a) => a.action)).toEqual([
        'payout.held',
        'payout.release_approved',
        'payout.released',
        'payout.paid',
      ]);
    }
  });
});
