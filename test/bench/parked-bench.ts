/**
 * `npm run bench:parked`: deals parked on their decision timers on the cluster (real server,
 * 16 shards, 2 workers, 2 api processes). Every deal is driven through the real api and
 * workflow to escrow (the generator plays the buyer), then left alone: silence means agreement
 * when the window closes. Prints the time to park them, the workers' RSS while they wait, and
 * how late the timers fired (TimerFired against TimerStarted + its duration, from each deal's
 * history), then extrapolates to 100,000 from the measured rates. Figures, no assertions.
 *
 * BENCH_PARKED_DEALS (300), BENCH_PARKED_CONCURRENCY (16). The decision window is set so the
 * last deal parks before the first timer fires.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { startClusterSystem } from '../../src/runtime/cluster-system';
import { dataConverterFor } from '../../src/temporal/codec';
import { clusterDeals, type Deal, manyDealsEnv } from '../support/cluster-deals';

const DEALS = Number(process.env.BENCH_PARKED_DEALS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_PARKED_CONCURRENCY ?? 16);
/** Generous: parking measured at ~2 deals/s on a loaded machine, plus a minute. */
const DECISION_WINDOW_MS = Number(process.env.BENCH_PARKED_WINDOW_MS ?? DEALS * 700 + 60_000);

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_PORT', 'PUBLIC_BASE_URL']) delete env[name];
  const system = await startClusterSystem({
    env,
    ephemeral: true,
    quiet: true,
    workers: 2,
    apis: 2,
    historyShards: 16,
    paymentOutcomeDelayMs: 20,
    childEnv: {
      DECISION_WINDOW_MS: String(DECISION_WINDOW_MS),
      ...(process.env.WORKER_MAX_CACHED_WORKFLOWS ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      ...manyDealsEnv(),
    },
  });
  const knex = createKnex(system.database.url, 5);
  const connection = await Connection.connect({ address: system.temporal.address });
  const temporal = new Client({ connection, dataConverter: dataConverterFor(loadSettings(system.childEnv).keys.payload) });
  try {
    const driver = clusterDeals(system, knex);
    const rssAtStart = system.workers.map((w) => rssMiB(w.pid()));
    const sellers = await Promise.all(Array.from({ length: Math.ceil(DEALS / 20) }, () => driver.readyParty()));
    const parkStarted = performance.now();
    const deals: Deal[] = [];
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < DEALS) {
          const i = next++;
          try {
            const deal = await driver.createDeal(sellers[i % sellers.length], i);
            await driver.runToEscrow(deal);
            deals.push(deal);
          } catch {
            failed += 1;
          }
        }
      }),
    );
    const parkS = (performance.now() - parkStarted) / 1000;
    const rssParked = system.workers.map((w) => rssMiB(w.pid()));
    const serverRssParked = rssMiB(system.temporal.pid());

    // Wait for every window to close: silence is agreement, each deal completes by its timer.
    const waitStarted = performance.now();
    await driver.until(
      'every parked deal completed by its timer',
      async () => {
        const row = await knex('orders')
          .whereIn(
            'payment_code',
            deals.map((d) => d.paymentCode),
          )
          .whereNot('state', 'completed')
          .count<{ count: string }[]>('* as count');
        return Number(row[0].count) === 0 ? true : undefined;
      },
      DECISION_WINDOW_MS + 15 * 60_000,
    );
    const drainS = (performance.now() - waitStarted) / 1000;

    const latenessMs: number[] = [];
    for (const deal of deals) {
      const history = await temporal.workflow.getHandle(`order:${deal.paymentCode}`).fetchHistory();
      const started = new Map<string, number>();
      for (const e of history.events ?? []) {
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
        if (e.timerStartedEventAttributes) {
          const a = e.timerStartedEventAttributes;
          const durationMs = Number(a.startToFireTimeout?.seconds ?? 0) * 1000 + Math.round((a.startToFireTimeout?.nanos ?? 0) / 1e6);
          started.set(a.timerId ?? '', at + durationMs);
        }
        if (e.timerFiredEventAttributes) {
          const due = started.get(e.timerFiredEventAttributes.timerId ?? '');
          if (due !== undefined) latenessMs.push(at - due);
        }
      }
    }

    const cpus = os.cpus();
    const parkedPerS = deals.length / parkS;
    const rssGrowthPerDealKiB =
      (1024 * (rssParked.reduce((a, b) => a + b, 0) - rssAtStart.reduce((a, b) => a + b, 0))) / Math.max(1, deals.length);
    console.log(`\n## bench:parked — ${new Date().toISOString()}`);
    console.log(
      `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(
          ' / ',
        )} (the machine is shared); cluster: real Temporal server, 16 shards, 2 workers, 2 api processes; decision window ${DECISION_WINDOW_MS} ms; workflow cache ${loadSettings(system.childEnv).workerMaxCachedWorkflows} deals per worker\n`,
    );
    console.log('| measure | value | goal |');
    console.log('|---|---:|---:|');
    console.log(`| deals parked on their decision timer | ${deals.length} (${failed} failed) | 100,000 |`);
    console.log(`| time to park them | ${parkS.toFixed(0)} s (${parkedPerS.toFixed(2)} deals/s) | — |`);
    console.log(
      `| worker RSS at start → while parked (MiB) | ${rssAtStart.map((r) => r.toFixed(0)).join(' + ')} → ${rssParked.map((r) => r.toFixed(0)).join(' + ')} | ≤ 1,024 |`,
    );
    console.log(`| Temporal server RSS while parked | ${serverRssParked.toFixed(0)} MiB | — |`);
    console.log(`| timers fired | ${latenessMs.length} | — |`);
    console.log(
      `| timer lateness p50 / p99 / max | ${percentile(latenessMs, 50).toFixed(0)} / ${percentile(latenessMs, 99).toFixed(0)} / ${Math.max(...latenessMs).toFixed(0)} ms | p99 ≤ 1,000 ms |`,
    );
    console.log(`| all completed by their timers within | ${drainS.toFixed(0)} s of the last deal parking | — |`);
    console.log(
      `\nExtrapolation to 100,000 (not measured): parking at ${parkedPerS.toFixed(2)} deals/s takes ${(100_000 / parkedPerS / 3600).toFixed(1)} h here. ` +
        `Worker RSS grew ${rssGrowthPerDealKiB.toFixed(0)} KiB per parked deal: an upper bound, since it includes what driving them left on the heap ` +
        '(compare a run with WORKER_MAX_CACHED_WORKFLOWS small: evicted deals hold no worker memory until their timer fires).',
    );
  } finally {
    await connection.close();
    await knex.destroy();
    await system.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
