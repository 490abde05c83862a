import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Our Prometheus metrics (prom-client), one registry per process, served at `/metrics` by the
 * api and by the worker's own port. Counters and histograms count what this process did; the
 * gauges of state (deals by state, parked deals, the inbox, held payouts, open reconciliation
 * differences, the audit chain) are read from PostgreSQL at scrape time, so every process
 * reports the same truth (alert rules take `max`). The Temporal SDK's own metrics come from the
 * runtime's Prometheus exporter on the worker (TEMPORAL_METRICS_BIND_ADDRESS).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'escrow_' });

/** The database the state gauges read; set by the process that serves /metrics. */
let stateDb: Knex | undefined;
export function readStateFrom(knex: Knex | undefined): void {
  stateDb = knex;
}

const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpRequestDuration = new Histogram({
  name: 'escrow_http_request_duration_seconds',
  help: 'Interaction latency: api requests by method, route and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});

export const webhookAckDuration = new Histogram({
  name: 'escrow_webhook_ack_duration_seconds',
  help: 'Time to acknowledge a webhook (LINE after the inbox commit; providers after the workflow took the event).',
  labelNames: ['source', 'status_class'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});

export const providerCallErrors = new Counter({
  name: 'escrow_provider_call_errors_total',
  help: 'Calls to an outside provider that did not succeed, by provider and kind (unavailable, refused, bad_response).',
  labelNames: ['provider', 'kind'] as const,
  registers: [registry],
});

export const providerCalls = new Counter({
  name: 'escrow_provider_calls_total',
  help: 'Calls to an outside provider, by provider.',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const ledgerTransfers = new Counter({
  name: 'escrow_ledger_transfers_total',
  help: 'Ledger transfers this process created (a repeat of an existing id is not counted), by kind.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const reconciliationRuns = new Counter({
  name: 'escrow_reconciliation_runs_total',
  help: 'Reconciliation runs by source and result (agreed, differences, failed).',
  labelNames: ['source', 'result'] as const,
  registers: [registry],
});

export const reconciliationDifferencesFound = new Counter({
  name: 'escrow_reconciliation_differences_found_total',
  help: 'Reconciliation differences found for the first time (each alerted once), by source and kind.',
  labelNames: ['source', 'kind'] as const,
  registers: [registry],
});

export const auditChainVerifications = new Counter({
  name: 'escrow_audit_chain_verifications_total',
  help: 'Audit-chain verifications by result (intact, broken, failed).',
  labelNames: ['result'] as const,
  registers: [registry],
});

/** One gauge read from the database at scrape time; a failed read leaves it unset (absent), never wrong. */
function stateGauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  read: (knex: Knex) => Promise<Array<{ labels: Partial<Record<L, string>>; value: number }>>,
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      if (!stateDb) return;
      try {
        for (const { labels, value } of await read(stateDb)) this.set(labels, value);
      } catch {
        // The database is unreachable: /readyz says so; the gauge goes absent (alerts use absent()).
      }
    },
  });
}

const count = (rows: Array<{ count: string | number }>) => Number(rows[0]?.count ?? 0);

export const dealsByState = stateGauge('escrow_deals', 'Deals by state (orders read model).', ['state'], async (knex) => {
  const rows = await knex('orders').select('state').count({ count: '*' }).groupBy('state');
  return rows.map((r) => ({ labels: { state: String(r.state) }, value: Number(r.count) }));
});

export const parkedDeals = stateGauge('escrow_parked_deals', 'Deals parked for a person.', [], async (knex) => [
  { labels: {}, value: count(await knex('orders').where({ state: 'parked' }).count({ count: '*' })) },
]);

export const inboxBacklog = stateGauge(
  'escrow_line_inbox_backlog',
  'LINE webhook events stored and not yet processed.',
  [],
  async (knex) => [{ labels: {}, value: count(await knex('line_inbox').whereNull('processed_at').count({ count: '*' })) }],
);

export const inboxGaveUp = stateGauge(
  'escrow_line_inbox_gave_up',
  'LINE webhook events set aside as gave_up (waiting for a re-drive).',
  [],
  async (knex) => [{ labels: {}, value: count(await knex('line_inbox').where({ outcome: 'gave_up' }).count({ count: '*' })) }],
);

export const heldPayouts = stateGauge('escrow_payouts_held', 'Payouts held for review (four eyes).', [], async (knex) => [
  { labels: {}, value: count(await knex('payouts').where({ state: 'held' }).count({ count: '*' })) },
]);

export const openDifferences = stateGauge(
  'escrow_reconciliation_open_differences',
  'Reconciliation differences found and not yet gone, by source (payments, payouts).',
  ['source'],
  async (knex) => {
    const rows = await knex('ops_reconciliation_differences')
      .whereNull('resolved_at')
      .select('source')
      .count({ count: '*' })
      .groupBy('source');
    const found = new Map((rows as Array<{ source: string; count: string }>).map((r) => [r.source, Number(r.count)]));
    return ['payments', 'payouts'].map((source) => ({ labels: { source }, value: found.get(source) ?? 0 }));
  },
);

export const auditChainOk = stateGauge(
  'escrow_audit_chain_ok',
  'Result of the last audit-chain verification: 1 intact, 0 broken, -1 not verified yet.',
  [],
  async (knex) => {
    const row = await knex('ops_checks').where({ name: 'audit_chain' }).first('ok');
    return [{ labels: {}, value: row ? (row.ok ? 1 : 0) : -1 }];
  },
);

export const lastCheckTime = stateGauge(
  'escrow_check_last_run_timestamp_seconds',
  'When each scheduled check (reconciliation, audit_chain) last ran.',
  ['check'],
  async (knex) => {
    const rows = await knex('ops_checks').select('name', 'checked_at');
    return rows.map((r) => ({ labels: { check: String(r.name) }, value: new Date(r.checked_at).getTime() / 1000 }));
  },
);

/** Every metric name we export (the alert and dashboard test checks against this list). */
export async function exportedMetricNames(): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => m.name);
}
