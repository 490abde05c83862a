import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomCode } from '../../src/domain/ids';
import { createKnex } from '../../src/db/knex';
import { setLogDestination } from '../../src/observability/logger';
import { auditChainScheduleId, ensureSchedules, reconciliationScheduleId, removeSchedules } from '../../src/ops/schedules';
import { recordHistory } from '../support/histories';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { testOwnerDatabaseUrl } from '../support/env';
import { activateWallet, dealInEscrow, eventually, orderState, type Party } from '../support/deal-steps';

/**
 * Issue 13: the nightly reconciliation as a Temporal Schedule (its interval a setting: seconds
 * here). The payment provider's statement is made to disagree with what happened, through the
 * emulator's control route: a charge we never booked, a refund it never made, an amount it
 * reports differently. The scheduled run finds each, keeps it open, alerts (a metric, an audit
 * entry), and the support console's status route shows it; once the statement agrees again, the
 * next run resolves them.
 */
describe('scheduled reconciliation of every money movement', () => {
  let h: DealHarness;
  let seller: Party;
  // The alerts' error lines are expected here: collected and checked instead of printed.
  const logLines: string[] = [];
  const viewer = () => h.staff.tokens.viewer;
  beforeAll(async () => {
    setLogDestination({ write: (line: string) => logLines.push(line) });
    h = await startDealHarness({
      env: { RECONCILIATION_INTERVAL_MS: '2000', RECONCILIATION_LOOKBACK_MS: '600000', AUDIT_VERIFY_INTERVAL_MS: '2000' },
    });
    seller = await h.newUser();
    await activateWallet(h, seller);
  });
  afterAll(async () => {
    if (h) await removeSchedules(h.client, h.settings);
    await h?.close();
    setLogDestination(undefined);
  });

  const statementDifference = async (difference: Record<string, unknown>) => {
    const res = await fetch(`${h.payments.baseUrl}/__emulator/statement-differences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.settings.payments.apiKey}` },
      body: JSON.stringify(difference),
    });
    expect(res.status).toBe(201);
  };
  const status = async () => {
    const res = await h.call('GET', '/api/support/operations-status', viewer());
    expect(res.status).toBe(200);
    return res.body as {
      reconciliation: {
        openDifferences: Array<{ source: string; kind: string; reference: string; description: string }>;
        lastRun: unknown;
      };
      auditChain: { ok: boolean } | null;
      attention: boolean;
    };
  };
  const openFor = async (references: string[]) =>
    (await status()).reconciliation.openDifferences.filter((d) => references.includes(d.reference)).map((d) => `${d.kind} ${d.reference}`);

  it('finds an injected charge, a missing refund and an amount mismatch, alerts, and resolves them when the statement agrees', async () => {
    const startedAt = new Date();
    // A deal held in escrow (its charge), and one refunded after a dispute (its refund).
    const held = await dealInEscrow(h, seller, { name: 'Reconciled kettle', unitPriceMinor: 2100, quantity: 1 });
    const refunded = await dealInEscrow(h, seller, { name: 'Refunded kettle', unitPriceMinor: 1900, quantity: 1 });
    const disputed = await h.call('POST', `/api/orders/${refunded.link.paymentCode}/decision`, refunded.buyer.token, {
      decision: 'dispute',
      reason: 'never arrived',
    });
    expect(disputed.body).toEqual({ outcome: 'disputed' });
    await eventually(async () => (await orderState(h, refunded.link.paymentCode)) === 'disputed');
    const resolved = await h.call(
      'POST',
      `/api/support/orders/${refunded.link.paymentCode}/resolution`,
      h.staff.tokens.agent,
      { resolution: 'refund', sellerAmountMinor: 0, buyerAmountMinor: 1900 },
      { 'idempotency-key': `resolve-${refunded.link.paymentCode}` },
    );
    expect(resolved.body).toEqual({ outcome: 'resolving' });
    await eventually(async () => (await orderState(h, refunded.link.paymentCode)) === 'refunded');

    const charge = [...h.payments.state.charges.values()].find((c) => c.charge.reference === held.link.paymentCode)!.charge;
    const refund = [...h.payments.state.refunds.values()].find((r) => r.reference === refunded.link.paymentCode)!.refund;
    const phantom = randomCode(10);
    await statementDifference({ kind: 'phantom', entryKind: 'charge', reference: phantom, amountMinor: 777, currency: 'TWD' });
    await statementDifference({ kind: 'omit', entryId: refund.id });
    await statementDifference({ kind: 'amount', entryId: charge.id, deltaMinor: 100 });
    const ours = [phantom, refunded.link.paymentCode, held.link.paymentCode];
    const auditBefore = Number((await h.knex('audit_log').max('seq as seq'))[0]?.seq ?? 0);

    // The schedules the worker creates at start; the runs come every 2 s.
    expect(await ensureSchedules(h.client, h.settings)).toEqual([
      reconciliationScheduleId(h.settings.taskQueue),
      auditChainScheduleId(h.settings.taskQueue),
    ]);
    // Creating them again (a second worker, a restart) is no error and no second schedule.
    await ensureSchedules(h.client, h.settings);

    await eventually(async () => (await openFor(ours)).length === 3, 30_000, 250);
    expect((await openFor(ours)).sort()).toEqual(
      [
        `charge_missing_in_ledger ${phantom}`,
        `refund_missing_at_provider ${refunded.link.paymentCode}`,
        `charge_amount_mismatch ${held.link.paymentCode}`,
      ].sort(),
    );
    const shown = await status();
    expect(shown.attention).toBe(true);
    expect(shown.reconciliation.openDifferences.find((d) => d.reference === held.link.paymentCode)?.description).toContain(
      'the provider reports 2200',
    );
    await eventually(async () => (await status()).auditChain !== null);
    expect((await status()).auditChain?.ok).toBe(true);

    // Alerted once each: an audit entry and the metrics.
    const alerts = await h
      .knex('audit_log')
      .where('seq', '>', auditBefore)
      .andWhere({ action: 'ops.reconciliation_difference' })
      .whereIn('subject', ours)
      .select('subject', 'details');
    expect(alerts.map((a) => a.subject).sort()).toEqual([...ours].sort());
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/escrow_reconciliation_differences_found_total\{source="payments",kind="charge_missing_in_ledger"\} [1-9]/);
    expect(metrics).toMatch(/escrow_reconciliation_differences_found_total\{source="payments",kind="refund_missing_at_provider"\} [1-9]/);
    expect(metrics).toMatch(/escrow_reconciliation_differences_found_total\{source="payments",kind="charge_amount_mismatch"\} [1-9]/);
    const open = /escrow_reconciliation_open_differences\{source="payments"\} (\d+)/.exec(metrics);
    expect(Number(open?.[1])).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/escrow_audit_chain_ok 1/);
    for (const reference of ours)
      expect(logLines.some((l) => l.includes('"alert":"reconciliation_difference"') && l.includes(`"reference":"${reference}"`))).toBe(
        true,
      );

    // The CLI stays for manual runs: the same comparison by hand, without recording (exit 1 = differences).
    const cli = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(__dirname, '../../src/reconcile/cli.ts'),
          '--source',
          'payments',
          '--from',
          startedAt.toISOString(),
          '--to',
          new Date(Date.now() + 60_000).toISOString(),
        ],
        { env: { ...process.env, LOG_LEVEL: 'warn', PAYMENT_BASE_URL: h.payments.baseUrl, PAYMENT_API_KEY: h.settings.payments.apiKey } },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (status) => resolve({ status, stdout }));
    });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`charge_amount_mismatch: ${held.link.paymentCode}`);
    expect(cli.stdout).toContain(`refund_missing_at_provider: ${refunded.link.paymentCode}`);
    expect(cli.stdout).toContain(`charge_missing_in_ledger: ${phantom}`);

    // The statement agrees again: the next run resolves them, and no second alert was raised meanwhile.
    await fetch(`${h.payments.baseUrl}/__emulator/statement-differences`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${h.settings.payments.apiKey}` },
    });
    await eventually(async () => (await openFor(ours)).length === 0, 30_000, 250);
    const alertsAfter = await h
      .knex('audit_log')
      .where('seq', '>', auditBefore)
      .andWhere({ action: 'ops.reconciliation_difference' })
      .whereIn('subject', ours)
      .count({ count: '*' });
    expect(Number(alertsAfter[0]!.count)).toBe(3);

    const recent = async (scheduleId: string) => {
      const description = await h.client.schedule.getHandle(scheduleId).describe();
      return description.info.recentActions.map((a) => a.action.workflow.workflowId);
    };
    await recordHistory(h, (await recent(reconciliationScheduleId(h.settings.taskQueue)))[0]!, 'scheduled-reconciliation');
    await recordHistory(h, (await recent(auditChainScheduleId(h.settings.taskQueue)))[0]!, 'scheduled-audit-chain');
  });
  it('alerts a broken audit chain and shows it until the chain is whole again', async () => {
    // Schedules from the test above run every 2 s; without it, create them here.
    await ensureSchedules(h.client, h.settings);
    const owner = createKnex(testOwnerDatabaseUrl(), 1);
    const row = await owner('audit_log').orderBy('seq', 'desc').offset(3).first('seq', 'details');
    const setDetails = (details: unknown) =>
      owner.transaction(async (trx) => {
        await trx.raw('alter table audit_log disable trigger audit_log_append_only');
        await trx('audit_log')
          .where({ seq: row.seq })
          .update({ details: JSON.stringify(details) });
        await trx.raw('alter table audit_log enable trigger audit_log_append_only');
      });
    try {
      await setDetails({ ...row.details, tampered: true });
      await eventually(async () => (await status()).auditChain?.ok === false, 30_000, 250);
      const shown = await status();
      expect(shown.auditChain).toMatchObject({ ok: false, firstBrokenSeq: Number(row.seq) });
      expect(shown.attention).toBe(true);
      expect(await (await fetch(`${h.baseUrl}/metrics`)).text()).toMatch(/^escrow_audit_chain_ok 0$/m);
      const alert = await h
        .knex('audit_log')
        .where({ action: 'ops.audit_chain_broken', subject: `audit_log:${row.seq}` })
        .first();
      expect(alert).toBeDefined();
      expect(logLines.some((l) => l.includes('"alert":"audit_chain_broken"'))).toBe(true);
    } finally {
      await setDetails(row.details);
      await owner.destroy();
    }
    await eventually(async () => (await status()).auditChain?.ok === true, 30_000, 250);
  });
});
