/**
 * `npm run bench:cluster`: whole happy deals through the api port of `npm run cluster`'s
 * processes (worker and api processes, the emulators, embedded PostgreSQL), once on the Temporal
 * CLI dev server and on the real Temporal server with 1 or 2 workers and 4 or 16 history shards,
 * in one run. Prints deals/s, interaction p50/p99, CPU-ms per deal summed over every process
 * (Temporal, PostgreSQL and its backends, workers, apis, and this process: client, emulators,
 * the cluster module's primary) and history events per deal. Figures, no assertions.
 *
 * BENCH_CLUSTER_DEALS (80) deals per configuration, BENCH_CLUSTER_CONCURRENCY (16) at a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { startClusterSystem, type ClusterSystem } from '../../src/runtime/cluster-system';
import { dataConverterFor } from '../../src/temporal/codec';
import { clusterDeals, type Deal, manyDealsEnv } from '../support/cluster-deals';

const DEALS = Number(process.env.BENCH_CLUSTER_DEALS ?? 80);
const CONCURRENCY = Number(process.env.BENCH_CLUSTER_CONCURRENCY ?? 16);
const WARM_UP_DEALS = 8;

interface Configuration {
  name: string;
  devServer?: boolean;
  workers: number;
  historyShards?: number;
}

const CONFIGURATIONS: Configuration[] = [
  { name: 'dev server (1 shard, SQLite), 1 worker', devServer: true, workers: 1 },
  { name: 'dev server (1 shard, SQLite), 2 workers', devServer: true, workers: 2 },
  { name: 'cluster, 16 shards, 1 worker', workers: 1, historyShards: 16 },
  { name: 'cluster, 16 shards, 2 workers', workers: 2, historyShards: 16 },
  { name: 'cluster, 4 shards, 2 workers', workers: 2, historyShards: 4 },
];

const CLOCK_TICKS_PER_S = 100;

/** utime + stime + cutime + cstime of a process, in ms (children it reaped included: exited backends). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14 → index 11.
    return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

function childrenOf(parent: number | undefined): number[] {
  if (parent === undefined) return [];
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) found.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** CPU of every process of the system, by part. */
function cpuSnapshot(system: ClusterSystem): Record<string, number> {
  const postmaster = system.database.pid?.();
  const sum = (pids: Array<number | undefined>) => pids.reduce<number>((total, pid) => total + cpuMsOf(pid), 0);
  return {
    temporal: sum([system.temporal.pid()]),
    postgres: sum([postmaster, ...childrenOf(postmaster)]),
    workers: sum(system.workers.map((w) => w.pid())),
    apis: sum(system.apis.map((a) => a.pid())),
    // This process's own time only (its reaped children are not the system under test).
    client: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runConfiguration(config: Configuration): Promise<string[]> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_PORT', 'PUBLIC_BASE_URL']) delete env[name];
  const system = await startClusterSystem({
    env,
    ephemeral: true,
    quiet: true,
    devServer: config.devServer,
    workers: config.workers,
    apis: 2,
    historyShards: config.historyShards,
    paymentOutcomeDelayMs: 20,
    childEnv: {
      DECISION_WINDOW_MS: '600000',
      ...manyDealsEnv(),
    },
  });
  const knex = createKnex(system.database.url, 5);
  const connection = await Connection.connect({ address: system.temporal.address });
  const temporal = new Client({ connection, dataConverter: dataConverterFor(loadSettings(system.childEnv).keys.payload) });
  try {
    const driver = clusterDeals(system, knex);
    const sellers = await Promise.all(Array.from({ length: Math.ceil((DEALS + WARM_UP_DEALS) / 20) }, () => driver.readyParty()));
    const deals: Deal[] = [];
    for (let i = 0; i < DEALS + WARM_UP_DEALS; i += CONCURRENCY) {
      const n = Math.min(CONCURRENCY, DEALS + WARM_UP_DEALS - i);
      deals.push(...(await Promise.all(Array.from({ length: n }, (_, j) => driver.createDeal(sellers[(i + j) % sellers.length], i + j)))));
    }
    // Warm-up: the workers' caches, the JIT, the connection pools.
    await Promise.all(deals.slice(0, WARM_UP_DEALS).map((d) => driver.runDeal(d)));
    for (const key of Object.keys(driver.latencies)) delete driver.latencies[key];

    const before = cpuSnapshot(system);
    const started = performance.now();
    let next = WARM_UP_DEALS;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < deals.length) {
          const deal = deals[next++];
          await driver.runDeal(deal).catch(() => (failed += 1));
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const after = cpuSnapshot(system);
    const completed = DEALS - failed;
    const cpu = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] - before[k]) / Math.max(1, completed)]));
    const cpuTotal = Object.values(cpu).reduce((a, b) => a + b, 0);
    const history = await temporal.workflow.getHandle(`order:${deals[WARM_UP_DEALS].paymentCode}`).fetchHistory();
    const interactions = ['payment request', 'payment parameters', 'otp', 'decision'];
    const all = interactions.flatMap((k) => driver.latencies[k] ?? []);
    return [
      `| ${config.name} | ${(completed / elapsedS).toFixed(2)} | ${failed} | ${percentile(all, 50).toFixed(0)} / ${percentile(all, 99).toFixed(0)} | ` +
        interactions
          .map((k) => `${percentile(driver.latencies[k] ?? [], 50).toFixed(0)} / ${percentile(driver.latencies[k] ?? [], 99).toFixed(0)}`)
          .join(' | ') +
        ` | ${cpuTotal.toFixed(0)} | ${Object.entries(cpu)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')} | ${history.events?.length ?? 0} | ${os.loadavg()[0].toFixed(1)} |`,
    ];
  } finally {
    await connection.close();
    await knex.destroy();
    await system.stop();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_CLUSTER_ONLY;
  const cpus = os.cpus();
  console.log(`\n## bench:cluster — ${new Date().toISOString()}`);
  console.log(
    `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ` +
      `${DEALS} happy deals per configuration after ${WARM_UP_DEALS} warm-up deals, ${CONCURRENCY} at a time (closed loop), through 2 api processes on one port; ` +
      'embedded PostgreSQL (fsync on) holds the app and, on the cluster, Temporal too\n',
  );
  console.log(
    '| configuration | deals/s | failed | interactions p50 / p99 ms | payment request | payment parameters | otp | decision | CPU-ms per deal | CPU-ms per deal by part | history events per deal | machine load (1 min; shared) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const config of CONFIGURATIONS) {
    if (only && !config.name.includes(only)) continue;
    for (const line of await runConfiguration(config)) console.log(line);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
