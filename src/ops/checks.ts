import type { Knex } from 'knex';
import { appendAudit } from '../audit';
import type { AuditChainResult } from '../audit/verify';
import { logger } from '../observability/logger';
import { auditChainVerifications, reconciliationDifferencesFound, reconciliationRuns } from '../observability/metrics';

/**
 * What the scheduled checks found, kept where the metrics, the alerts and the support console's
 * banner read it. A new difference or a broken chain is also an alert: an error log line, a
 * counter, and an entry in the audit chain (`ops.*`), so nobody can quietly remove it.
 */
const log = logger('operations');
export const OPS_ACTOR = 'system:operations';

export type ReconciliationSource = 'payments' | 'payouts';

export interface FoundDifference {
  kind: string;
  reference: string;
  /** When the movement happened (or the end of the run's range, when the difference has no time of its own). */
  at: string;
  description: string;
  details: Record<string, unknown>;
}

export interface RecordedReconciliation {
  source: ReconciliationSource;
  found: number;
  /** Differences not open before this run (each alerted once). */
  newlyFound: number;
  /** Open differences this run covered and no longer found. */
  resolved: number;
}

/** Keeps a run's differences: new ones opened and alerted, known ones touched, gone ones resolved. */
export async function recordReconciliation(
  knex: Knex,
  source: ReconciliationSource,
  range: { from: Date; to: Date },
  differences: FoundDifference[],
): Promise<RecordedReconciliation> {
  const newly: FoundDifference[] = [];
  const result = await knex.transaction(async (trx) => {
    const open = await trx('ops_reconciliation_differences')
      .where({ source })
      .whereNull('resolved_at')
      .select('id', 'kind', 'reference', 'details', 'first_found_at');
    const key = (kind: string, reference: string) => `${kind}\n${reference}`;
    const openByKey = new Map(open.map((row) => [key(row.kind, row.reference), row]));
    const seen = new Set<string>();
    for (const d of differences) {
      const k = key(d.kind, d.reference);
      if (seen.has(k)) continue;
      seen.add(k);
      const existing = openByKey.get(k);
      if (existing) {
        await trx('ops_reconciliation_differences')
          .where({ id: existing.id })
          .update({ last_found_at: trx.fn.now(), details: JSON.stringify({ ...d.details, at: d.at }), description: d.description });
        continue;
      }
      await trx('ops_reconciliation_differences').insert({
        source,
        kind: d.kind,
        reference: d.reference,
        details: JSON.stringify({ ...d.details, at: d.at }),
        description: d.description,
      });
      newly.push(d);
    }
    // Open differences of this source that this run covered and did not find again are gone.
    let resolved = 0;
    for (const row of open) {
      if (seen.has(key(row.kind, row.reference))) continue;
      const at = new Date((row.details as { at?: string }).at ?? row.first_found_at);
      if (at.getTime() < range.from.getTime()) continue;
      resolved += await trx('ops_reconciliation_differences').where({ id: row.id }).update({ resolved_at: trx.fn.now() });
    }
    for (const d of newly) {
      await appendAudit(trx, {
        actor: OPS_ACTOR,
        action: 'ops.reconciliation_difference',
        subject: d.reference,
        details: { source, kind: d.kind, description: d.description },
      });
    }
    return { source, found: seen.size, newlyFound: newly.length, resolved };
  });
  for (const d of newly) {
    reconciliationDifferencesFound.inc({ source, kind: d.kind });
    log.error({ alert: 'reconciliation_difference', source, kind: d.kind, reference: d.reference }, d.description);
  }
  reconciliationRuns.inc({ source, result: result.found > 0 ? 'differences' : 'agreed' });
  return result;
}

/** The last run of the reconciliation as a whole (both sources), for the status route and the gauges. */
export async function recordCheck(
  knex: Knex,
  name: 'reconciliation' | 'audit_chain',
  ok: boolean,
  details: Record<string, unknown>,
): Promise<void> {
  await knex('ops_checks')
    .insert({ name, ok, checked_at: new Date(), details: JSON.stringify(details) })
    .onConflict('name')
    .merge(['ok', 'checked_at', 'details']);
}

/** A verification's result kept, and a broken chain alerted (once per first broken link). */
export async function recordAuditChainResult(knex: Knex, result: AuditChainResult): Promise<void> {
  const previous = await knex('ops_checks').where({ name: 'audit_chain' }).first('ok', 'details');
  await recordCheck(knex, 'audit_chain', result.ok, result as unknown as Record<string, unknown>);
  auditChainVerifications.inc({ result: result.ok ? 'intact' : 'broken' });
  if (result.ok) return;
  log.error(
    { alert: 'audit_chain_broken', firstBrokenSeq: result.firstBrokenSeq },
    `audit chain broken at seq ${result.firstBrokenSeq}: ${result.reason}`,
  );
  const alreadyAlerted =
    previous && !previous.ok && (previous.details as { firstBrokenSeq?: number }).firstBrokenSeq === result.firstBrokenSeq;
  if (!alreadyAlerted) {
    await appendAudit(knex, {
      actor: OPS_ACTOR,
      action: 'ops.audit_chain_broken',
      subject: `audit_log:${result.firstBrokenSeq}`,
      details: { firstBrokenSeq: result.firstBrokenSeq, reason: result.reason },
    });
  }
}

export interface OperationsStatus {
  /** Differences found by reconciliation and not gone since, newest first. */
  reconciliation: {
    openDifferences: Array<{
      id: number;
      source: ReconciliationSource;
      kind: string;
      reference: string;
      description: string;
      firstFoundAt: string;
      lastFoundAt: string;
    }>;
    lastRun: { at: string; ok: boolean } | null;
  };
  auditChain: { at: string; ok: boolean; firstBrokenSeq?: number; reason?: string; rows?: number } | null;
  /** True when something needs a person: an open difference or a broken chain. */
  attention: boolean;
}

const STATUS_LIST_LIMIT = 100;

export async function operationsStatus(knex: Knex): Promise<OperationsStatus> {
  const rows = await knex('ops_reconciliation_differences').whereNull('resolved_at').orderBy('id', 'desc').limit(STATUS_LIST_LIMIT);
  const checks = new Map((await knex('ops_checks').select('name', 'ok', 'checked_at', 'details')).map((c) => [c.name as string, c]));
  const reconciliation = checks.get('reconciliation');
  const chain = checks.get('audit_chain');
  const chainDetails = (chain?.details ?? {}) as { firstBrokenSeq?: number; reason?: string; rows?: number };
  const status: OperationsStatus = {
    reconciliation: {
      openDifferences: rows.map((r) => ({
        id: Number(r.id),
        source: r.source,
        kind: r.kind,
        reference: r.reference,
        description: r.description,
        firstFoundAt: new Date(r.first_found_at).toISOString(),
        lastFoundAt: new Date(r.last_found_at).toISOString(),
      })),
      lastRun: reconciliation ? { at: new Date(reconciliation.checked_at).toISOString(), ok: reconciliation.ok } : null,
    },
    auditChain: chain
      ? {
          at: new Date(chain.checked_at).toISOString(),
          ok: chain.ok,
          ...(chain.ok ? { rows: chainDetails.rows } : { firstBrokenSeq: chainDetails.firstBrokenSeq, reason: chainDetails.reason }),
        }
      : null,
    attention: false,
  };
  status.attention = status.reconciliation.openDifferences.length > 0 || status.auditChain?.ok === false;
  return status;
}
