import { API_OPERATIONS } from '../../src/api/openapi';
import { verifyAuditChain } from '../../src/audit';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { activateWallet, dealInEscrow, eventually, orderState } from '../support/deal-steps';

/**
 * Issue 11, item 6: every support view of personal data and every support action is in the audit
 * chain under the subject of the staff member's token. Each /api/support operation of the
 * OpenAPI document is either exercised here or named with the test that checks its entry; an
 * operation added later without either fails the first test.
 */
const CHECKED_ELSEWHERE: Record<string, string> = {
  'post /api/support/orders/{code}/parked-resolution': 'test/deal/settlement.test.ts (support:agent-amy, with the note)',
  'post /api/support/users/{userId}/wallet/unlock': 'test/deal/wallet-unlock.test.ts (wallet.unlocked by support:agent-amy)',
  'post /api/support/payouts/{id}/release': 'test/staff/four-eyes.test.ts (payout.release_approved and payout.released)',
  'post /api/support/payouts/{id}/reject': 'test/staff/four-eyes.test.ts (payout.rejected)',
  'post /api/support/line-events/{id}/redrive': 'test/line-webhook/inbox-admin.test.ts (line_inbox.redriven by support:agent-amy)',
  'get /api/support/console/queues/{queue}': 'test/console/search-and-queues.test.ts (support.viewed queue:bindings by support:viewer-vic)',
  'get /api/support/console/search': 'test/console/search-and-queues.test.ts (support.viewed search: the kinds matched, never the text)',
  'get /api/support/console/deals/{code}': 'test/pages/console-dispute.test.ts (support.viewed order:<code> by support:agent-amy)',
  'get /api/support/console/deals/{code}/evidence/{id}':
    'test/pages/console-dispute.test.ts (support.viewed order:<code> with the evidence id)',
  'post /api/support/console/deals/{code}/messages': 'test/pages/console-dispute.test.ts (support.party_messaged with the reason)',
  'post /api/support/console/deals/{code}/evidence-requests':
    'test/pages/console-dispute.test.ts (support.evidence_requested with the reason)',
  'post /api/support/console/deals/{code}/deadline': 'test/console/dispute-deadline.test.ts (support.deadline_extended with the reason)',
};
/** Read by staff, and naming nobody: not audited, each with its reason. */
const NOT_AUDITED: Record<string, string> = {
  'get /api/support/operations-status':
    'what the scheduled checks found (payment codes and payout references of open reconciliation differences, the audit-chain result): no person named; the console polls it for its banner (issue 13, test/ops/reconciliation.test.ts)',
};
const CHECKED_HERE = [
  'get /api/support/disputes',
  'get /api/support/orders/{code}',
  'post /api/support/orders/{code}/resolution',
  'get /api/support/parked',
  'post /api/support/users/{userId}/phone-bindings/clear',
  'post /api/support/watchlist',
  'delete /api/support/watchlist/{id}',
  'get /api/support/payouts',
  'get /api/support/line-events',
];

describe('support staff in the audit chain', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const lastSeq = async () => Number((await h.knex('audit_log').max('seq as seq').first())?.seq ?? 0);
  const entriesAfter = (seq: number) =>
    h.knex('audit_log').where('seq', '>', seq).orderBy('seq').select('actor', 'action', 'subject', 'details');

  it('every /api/support operation is audited: checked here or in a named test', () => {
    const operations = Object.entries(API_OPERATIONS)
      .filter(([path]) => path.startsWith('/api/support/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
    expect([...CHECKED_HERE, ...Object.keys(CHECKED_ELSEWHERE), ...Object.keys(NOT_AUDITED)].sort()).toEqual([...operations].sort());
  });

  it('views name the staff member and what they saw; actions name who did them; refusals write nothing', async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const { link, buyer } = await dealInEscrow(h, seller, { name: 'Desk lamp', unitPriceMinor: 1500, quantity: 1 });
    await h.call('POST', `/api/orders/${link.paymentCode}/decision`, buyer.token, { decision: 'dispute', reason: 'arrived broken' });
    await eventually(async () => (await orderState(h, link.paymentCode)) === 'disputed');
    const { agent, viewer } = h.staff.tokens;

    const matching = (value: string | RegExp) => (value instanceof RegExp ? expect.stringMatching(value) : value);
    const seen = async (
      call: () => Promise<{ status: number }>,
      expected: { actor: string; action: string | RegExp; subject: string | RegExp },
    ) => {
      const before = await lastSeq();
      const res = await call();
      expect(res.status).toBeLessThan(300);
      const entries = await entriesAfter(before);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: expected.actor,
            action: matching(expected.action),
            subject: matching(expected.subject),
          }),
        ]),
      );
      return entries;
    };

    const queue = await seen(() => h.call('GET', '/api/support/disputes', viewer), {
      actor: 'support:viewer-vic',
      action: 'support.viewed',
      subject: 'queue:disputes',
    });
    expect(queue[0].details).toMatchObject({ orders: expect.arrayContaining([link.paymentCode]), via: 'bearer' });
    await seen(() => h.call('GET', `/api/support/orders/${link.paymentCode}`, viewer), {
      actor: 'support:viewer-vic',
      action: 'support.viewed',
      subject: `order:${link.paymentCode}`,
    });
    await seen(() => h.call('GET', '/api/support/parked', viewer), {
      actor: 'support:viewer-vic',
      action: 'support.viewed',
      subject: 'queue:parked',
    });
    await seen(() => h.call('GET', '/api/support/payouts?state=held', viewer), {
      actor: 'support:viewer-vic',
      action: 'support.viewed',
      subject: 'queue:payouts:held',
    });
    await seen(() => h.call('GET', '/api/support/line-events?status=gave_up', agent), {
      actor: 'support:agent-amy',
      action: 'support.viewed',
      subject: 'queue:line-events:gave_up',
    });

    // A refusal (a viewer may not resolve; a split that does not add up) writes nothing.
    const before = await lastSeq();
    expect(
      (
        await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, viewer, {
          resolution: 'release',
          sellerAmountMinor: 1500,
          buyerAmountMinor: 0,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent, {
          resolution: 'split',
          sellerAmountMinor: 1,
          buyerAmountMinor: 1,
        })
      ).status,
    ).toBe(422);
    expect(await entriesAfter(before)).toEqual([]);

    const resolved = await seen(
      () =>
        h.call('POST', `/api/support/orders/${link.paymentCode}/resolution`, agent, {
          resolution: 'split',
          sellerAmountMinor: 1000,
          buyerAmountMinor: 500,
          note: 'lamp shade cracked, base fine',
        }),
      { actor: 'support:agent-amy', action: 'support.dispute_resolved', subject: `order:${link.paymentCode}` },
    );
    expect(resolved.find((e) => e.action === 'support.dispute_resolved')!.details).toMatchObject({
      resolution: 'split',
      sellerAmountMinor: 1000,
      buyerAmountMinor: 500,
      note: 'lamp shade cracked, base fine',
    });

    // The buyer bound a phone to pay; clearing it is audited with the masked number (clearing nothing changes and records nothing).
    const cleared = await seen(() => h.call('POST', `/api/support/users/${buyer.userId}/phone-bindings/clear`, agent), {
      actor: 'support:agent-amy',
      action: 'phone_binding.cleared',
      subject: `user:${buyer.userId}`,
    });
    expect(cleared[0].details).toMatchObject({ count: 1, phones: [expect.stringMatching(/\*{4}/)] });

    let entryId = 0;
    await seen(
      async () => {
        const added = await h.call('POST', '/api/support/watchlist', agent, {
          keyType: 'order_number',
          value: `AUDIT-${link.paymentCode}`,
          reason: 'test entry',
        });
        entryId = added.body.id;
        return added;
      },
      { actor: 'support:agent-amy', action: /^watchlist\./, subject: /.+/ },
    );
    await seen(() => h.call('DELETE', `/api/support/watchlist/${entryId}`, agent, { reason: 'test entry removed' }), {
      actor: 'support:agent-amy',
      action: /^watchlist\./,
      subject: /.+/,
    });

    expect(await verifyAuditChain(h.knex)).toMatchObject({ ok: true });
  });
});
