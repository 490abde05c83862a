import { spawn } from 'node:child_process';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { payoutHoldTransferId, payoutPostTransferId } from '../../src/domain/ids';
import { payoutClearingAccountId, payoutWorkflowId } from '../../src/domain/ids';
import { payoutIdFor } from '../../src/api/routes/money-out';
import { createPayoutProvider } from '../../src/payout';
import { reconcilePayouts } from '../../src/reconcile';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually, lastMessage, type Party } from '../support/deal-steps';
import { recordHistory } from '../support/histories';
import { available, emulators, fundWallet, verifiedParty } from './steps';

/** Longer than the payout client's 10 s time limit (DEFAULT_PROVIDER_TIMEOUT_MS). */
const PROVIDER_STALL_MS = 11_000;

describe('payouts: e-wallet → verified bank account through the payout provider', () => {
  let h: DealHarness;
  const startedAt = new Date();
  let keys = 0;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const requestPayout = (party: Party, amountMinor: number, key = `payout-key-${Date.now()}-${(keys += 1)}`) =>
    h.call('POST', '/api/payouts', party.token, { amountMinor, currency: 'TWD' }, { 'idempotency-key': key });
  const payoutState = async (party: Party, payoutId: string) => (await h.call('GET', `/api/payouts/${payoutId}`, party.token)).body.state;
  const untilState = (party: Party, payoutId: string, state: string) =>
    eventually(async () => (await payoutState(party, payoutId)) === state);
  const statementFor = async (payoutId: string) =>
    [...emulators(h).payouts.state.payouts.values()].filter((r) => r.payout.reference === payoutWorkflowId(payoutId));
  /** `npm run reconcile` as a child process (asynchronously: the emulator it asks lives in this process). */
  const reconcileCommand = (payoutBaseUrl: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          require.resolve('tsx/cli'),
          path.join(__dirname, '../../src/reconcile/cli.ts'),
          '--from',
          startedAt.toISOString(),
          // The emulator stamps an invented entry with the time the statement is read: leave room for it.
          '--to',
          new Date(Date.now() + 60_000).toISOString(),
        ],
        {
          env: { ...process.env, PAYOUT_BASE_URL: payoutBaseUrl, PAYOUT_API_KEY: h.settings.payouts.apiKey },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const ledgerTransfersOf = (payoutId: string) => h.knex('ledger_transfers').where('id', 'like', `payout:${payoutId}:%`).orderBy('id');

  it('pays: reserves, sends, posts on the provider’s word, tells the party; a repeated request is the same payout', async () => {
    const { party, account } = await verifiedParty(h);
    await fundWallet(h, party.userId, 120_000);

    const key = 'payout-happy-0001';
    const accepted = await requestPayout(party, 50_000, key);
    expect(accepted.status).toBe(202);
    const { payoutId } = accepted.body;
    await untilState(party, payoutId, 'paid');

    expect(await available(h, party.userId)).toBe(70_000);
    const transfers = await ledgerTransfersOf(payoutId);
    expect(transfers.map((t) => [t.id, t.kind, t.state])).toEqual([
      [payoutHoldTransferId(payoutId), 'pending', 'posted'],
      [payoutPostTransferId(payoutId), 'post', null],
    ]);
    expect(transfers[0].credit_account_id).toBe(payoutClearingAccountId('TWD'));
    const atProvider = await statementFor(payoutId);
    expect(atProvider).toHaveLength(1);
    expect(atProvider[0].payout).toMatchObject({
      status: 'paid',
      amountMinor: 50_000,
      accountNumberLast4: account.accountNumber.slice(-4),
    });
    await eventually(async () => lastMessage(h, party.userId, 'payout_sent') !== undefined);
    expect(lastMessage(h, party.userId, 'payout_sent')).toEqual({
      kind: 'payout_sent',
      amountMinor: 50_000,
      currency: 'TWD',
      accountMasked: `***-****${account.accountNumber.slice(-4)}`,
    });
    expect(
      await h
        .knex('audit_log')
        .where({ subject: `payout:${payoutId}`, action: 'payout.paid' })
        .first(),
    ).toMatchObject({ actor: 'system:payout' });

    const repeated = await requestPayout(party, 50_000, key);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ payoutId, state: 'paid' });
    const reused = await requestPayout(party, 40_000, key);
    expect(reused.status).toBe(409);
    expect(await statementFor(payoutId)).toHaveLength(1);
    expect(await available(h, party.userId)).toBe(70_000);
    await recordHistory(h, payoutWorkflowId(payoutId), 'paid');
  });

  it('refuses a payout the wallet cannot cover, writing nothing', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 10_000);
    const auditBefore = await h.knex('audit_log').count<{ count: string }[]>('* as count');

    const refused = await requestPayout(party, 10_001, 'payout-short-0001');
    expect(refused.status).toBe(409);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body.type).toMatch(/insufficient-funds$/);

    expect(await h.knex('payouts').where({ user_id: party.userId })).toEqual([]);
    expect(await h.knex('ledger_transfers').where('debit_account_id', `wallet:${party.userId}`)).toEqual([]);
    expect(await h.knex('audit_log').count<{ count: string }[]>('* as count')).toEqual(auditBefore);
    expect(await available(h, party.userId)).toBe(10_000);
    const payoutId = payoutIdFor(party.userId, 'payout-short-0001');
    await expect(h.client.workflow.getHandle(payoutWorkflowId(payoutId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const noKey = await h.call('POST', '/api/payouts', party.token, { amountMinor: 100, currency: 'TWD' });
    expect(noKey.status).toBe(400);
  });

  it('holds a payout whose party is on the watch-list until two agents release it; then pays once', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 30_000);
    const listed = await h.call(
      'POST',
      '/api/support/watchlist',
      undefined,
      { keyType: 'line_user_id', value: party.userId, reason: 'bank credit black-list hit' },
      h.staff.headers.agent,
    );
    expect(listed.status).toBe(201);

    const { payoutId } = (await requestPayout(party, 25_000)).body;
    await untilState(party, payoutId, 'held');
    expect((await h.call('GET', `/api/payouts/${payoutId}`, party.token)).body.holdReasons).toEqual(['watch_list']);
    expect(await available(h, party.userId)).toBe(5_000); // reserved, not gone
    expect(await statementFor(payoutId)).toEqual([]);
    await eventually(async () => lastMessage(h, party.userId, 'payout_held') !== undefined);

    const queue = await h.call('GET', '/api/support/payouts?state=held', undefined, undefined, h.staff.headers.viewer);
    expect(queue.body.payouts.map((p: { payout_id: string }) => p.payout_id)).toContain(payoutId);
    const byViewer = await h.call('POST', `/api/support/payouts/${payoutId}/release`, undefined, {}, h.staff.headers.viewer);
    expect(byViewer.status).toBe(403);

    // Four eyes (test/staff/four-eyes.test.ts): a second agent's approval releases it.
    const approved = await h.call(
      'POST',
      `/api/support/payouts/${payoutId}/release`,
      undefined,
      { note: 'customer identity confirmed by phone' },
      h.staff.headers.agent,
    );
    expect(approved.body).toEqual({ outcome: 'awaiting_second_approval', approvedBy: ['agent-amy'] });
    const released = await h.call(
      'POST',
      `/api/support/payouts/${payoutId}/release`,
      undefined,
      { note: 'checked the call recording' },
      h.staff.headers.secondAgent,
    );
    expect(released.body).toEqual({ outcome: 'releasing' });
    await untilState(party, payoutId, 'paid');
    const again = await h.call('POST', `/api/support/payouts/${payoutId}/release`, undefined, {}, h.staff.headers.agent);
    expect(again.status).toBe(409);

    expect(await statementFor(payoutId)).toHaveLength(1);
    expect(await available(h, party.userId)).toBe(5_000);
    const audit = await h
      .knex('audit_log')
      .where({ subject: `payout:${payoutId}` })
      .orderBy('seq')
      .select('actor', 'action');
    expect(audit).toEqual([
      { actor: 'system:payout', action: 'payout.held' },
      { actor: 'support:agent-amy', action: 'payout.release_approved' },
      { actor: 'support:agent-ben', action: 'payout.released' },
      { actor: 'system:payout', action: 'payout.paid' },
    ]);
    expect((await h.knex('payouts').where({ payout_id: payoutId }).first()).decided_by).toBe('agent-ben');
    await recordHistory(h, payoutWorkflowId(payoutId), 'held-released');
  });

  it('returns the money when support rejects a held payout', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 9_000_000);
    const { payoutId } = (await requestPayout(party, 6_000_000)).body; // above the review threshold
    await untilState(party, payoutId, 'held');
    expect((await h.call('GET', `/api/payouts/${payoutId}`, party.token)).body.holdReasons).toEqual(['amount_above_threshold']);
    const rejected = await h.call(
      'POST',
      `/api/support/payouts/${payoutId}/reject`,
      undefined,
      { note: 'unusual amount' },
      h.staff.headers.agent,
    );
    expect(rejected.body).toEqual({ outcome: 'rejecting' });
    await untilState(party, payoutId, 'rejected');
    expect(await available(h, party.userId)).toBe(9_000_000);
    expect((await ledgerTransfersOf(payoutId)).map((t) => t.kind)).toEqual(['pending', 'void']);
    expect(await statementFor(payoutId)).toEqual([]);
    await recordHistory(h, payoutWorkflowId(payoutId), 'held-rejected');
  });

  it('returns the money and tells the party when the provider fails the payout (a closed account)', async () => {
    const { party } = await verifiedParty(h, 'seller', { accountNumber: '000000000000' }); // the emulator fails it with account_closed
    await fundWallet(h, party.userId, 40_000);
    const { payoutId } = (await requestPayout(party, 15_000)).body;
    await untilState(party, payoutId, 'failed');

    expect(await available(h, party.userId)).toBe(40_000);
    expect((await ledgerTransfersOf(payoutId)).map((t) => t.kind)).toEqual(['pending', 'void']);
    expect((await statementFor(payoutId)).map((r) => r.payout.status)).toEqual(['failed']);
    await eventually(async () => lastMessage(h, party.userId, 'payout_failed') !== undefined);
    expect(lastMessage(h, party.userId, 'payout_failed')).toEqual({
      kind: 'payout_failed',
      amountMinor: 15_000,
      currency: 'TWD',
      reason: 'The destination account is closed.',
    });
    expect(
      await h
        .knex('audit_log')
        .where({ subject: `payout:${payoutId}`, action: 'payout.failed' })
        .first(),
    ).toMatchObject({ actor: 'system:payout' });
    await recordHistory(h, payoutWorkflowId(payoutId), 'provider-failed');
  });

  it('pays once when the worker restarts while a provider call whose answer is lost is in flight', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 40_000);
    const { payouts } = emulators(h);
    // The provider stalls past our client's time limit: the first request is done there but its answer never reaches us.
    payouts.state.faults.set({ delayMs: PROVIDER_STALL_MS });
    const sends = jest.spyOn(payouts.state.idempotency, 'handle');
    let payoutId = '';
    let keysSent: string[];
    try {
      // Every request reads the fault switches on arrival: the first read is our send, now stalling there.
      const arrivals = jest.spyOn(payouts.state.faults, 'current', 'get');
      payoutId = (await requestPayout(party, 40_000)).body.payoutId;
      await eventually(async () => arrivals.mock.calls.length > 0, 30_000, 20);
      arrivals.mockRestore();
      const restarting = h.restartWorker();
      payouts.state.faults.reset(); // the provider recovers; the stalled request still completes there later
      await restarting;
      await untilState(party, payoutId, 'paid');
      await eventually(async () => sends.mock.calls.length >= 2, PROVIDER_STALL_MS + 30_000); // the stalled first request has landed too
      keysSent = sends.mock.calls.map(([req]) => req.get('idempotency-key') ?? '');
    } finally {
      payouts.state.faults.reset();
      sends.mockRestore();
    }
    expect(new Set(keysSent)).toEqual(new Set([payoutWorkflowId(payoutId)])); // sent again, with the same key
    const statement = (
      await createPayoutProvider({ baseUrl: payouts.baseUrl, apiKey: h.settings.payouts.apiKey }).statement()
    ).entries.filter((e) => e.reference === payoutWorkflowId(payoutId));
    expect(statement).toHaveLength(1);
    expect((await ledgerTransfersOf(payoutId)).filter((t) => t.kind === 'post')).toHaveLength(1);
    expect(await available(h, party.userId)).toBe(0);
  });

  it('reconciles the ledger with the provider’s statement and lists every injected difference', async () => {
    const { party } = await verifiedParty(h);
    await fundWallet(h, party.userId, 100_000);
    const ids: string[] = [];
    for (const amount of [11_000, 12_000, 13_000]) {
      const { payoutId } = (await requestPayout(party, amount)).body;
      await untilState(party, payoutId, 'paid');
      ids.push(payoutId);
    }
    const range = { from: startedAt, to: new Date(Date.now() + 1_000) };
    const clean = await reconcilePayouts(
      h.knex,
      createPayoutProvider({ baseUrl: emulators(h).payouts.baseUrl, apiKey: h.settings.payouts.apiKey }),
      range,
    );
    expect(clean.differences).toEqual([]);
    expect(clean.ledgerEntries).toBeGreaterThanOrEqual(3);

    const { payouts } = emulators(h);
    const providerId = (payoutId: string) =>
      [...payouts.state.payouts.values()].find((r) => r.payout.reference === payoutWorkflowId(payoutId))!.payout.id;
    payouts.state.statementDifferences = [
      { kind: 'omit', payoutId: providerId(ids[0]) },
      { kind: 'amount', payoutId: providerId(ids[1]), deltaMinor: -500 },
      { kind: 'phantom', reference: 'payout:pyt_phantom', amountMinor: 7_777, currency: 'TWD' },
    ];
    try {
      const provider = createPayoutProvider({ baseUrl: payouts.baseUrl, apiKey: h.settings.payouts.apiKey });
      const report = await reconcilePayouts(h.knex, provider, { from: startedAt, to: new Date(Date.now() + 1_000) });
      expect(report.differences).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'missing_at_provider', reference: payoutWorkflowId(ids[0]), amountMinor: 11_000 }),
          expect.objectContaining({
            kind: 'amount_mismatch',
            reference: payoutWorkflowId(ids[1]),
            ledgerAmountMinor: 12_000,
            providerAmountMinor: 11_500,
          }),
          expect.objectContaining({ kind: 'missing_in_ledger', reference: 'payout:pyt_phantom', amountMinor: 7_777 }),
        ]),
      );
      expect(report.differences).toHaveLength(3);

      // The command: differences → exit 1 with one line each.
      const cli = await reconcileCommand(payouts.baseUrl);
      expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 1, stderr: '' });
      expect(cli.stdout).toContain('differences 3');
      expect(cli.stdout).toContain(`amount_mismatch: ${payoutWorkflowId(ids[1])}`);
    } finally {
      payouts.state.statementDifferences = [];
    }
    const agreed = await reconcileCommand(payouts.baseUrl);
    expect(agreed.stderr).toBe('');
    expect(agreed.status).toBe(0);
  });
});
