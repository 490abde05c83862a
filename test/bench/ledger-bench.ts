/**
 * Ledger throughput benchmark (a program, not a test): `npm run bench:ledger [-- options]`.
 *
 * Starts its own embedded PostgreSQL (or uses BENCH_DATABASE_URL), migrates, and measures
 * transfers/s through the public ledger API at several client counts, for transfers spread over
 * many accounts and for all transfers into one hot account; then runs pgbench's tpcb-like
 * workload on the same server with the same client counts as a yardstick.
 *
 * Options: --duration <s> (5), --warmup <s> (1), --clients 1,8,32, --batch <n> (50; 0 = skip the
 * batch rows), --pgbench-scale <n> (the largest client count), --no-pgbench.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createKnex } from '../../src/db/knex';
import { migrateDatabase } from '../../src/db/migrate';
import { createLedger, type Ledger, type TransferInput } from '../../src/ledger';
import { resolveDatabase } from '../../src/runtime/postgres';

const execFileAsync = promisify(execFile);

const PAYER_ACCOUNTS = 2048;
const PAYEE_ACCOUNTS = 2048;
/** Shards of the hot account: enough that 32 in-flight transfers rarely meet on one row. */
const HOT_ACCOUNT_SHARDS = 64;
/** Opening balance of each payer wallet: far more than a run can spend. */
const PAYER_OPENING_MINOR = 1_000_000_000_000;
const TRANSFER_AMOUNT_MAX_MINOR = 10_000;
const FUNDING_BATCH_ITEMS = 512;

interface Options {
  durationS: number;
  warmupS: number;
  clients: number[];
  batch: number;
  pgbench: boolean;
  pgbenchScale: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const positive = (name: string, fallback: number, allowZero = false) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
      throw new Error(`--${name} wants a ${allowZero ? 'non-negative' : 'positive'} integer, got ${raw}`);
    return n;
  };
  const clients = (value('clients') ?? '1,8,32').split(',').map(Number);
  if (clients.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--clients wants a list like 1,8,32');
  return {
    durationS: positive('duration', 5),
    warmupS: positive('warmup', 1, true),
    clients,
    batch: positive('batch', 50, true),
    pgbench: !argv.includes('--no-pgbench'),
    pgbenchScale: positive('pgbench-scale', Math.max(...clients)),
  };
}

interface Measurement {
  transfersPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU per transfer: on a 2-core machine the client competes with the server. */
  clientCpuUs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * `clients` loops, each with one call in flight, for warm-up then the measured window; only
 * calls that finish inside the window count. A call moves `perCall` transfers.
 */
async function measure(clients: number, opts: Options, perCall: number, call: (client: number) => Promise<void>): Promise<Measurement> {
  const start = performance.now();
  const windowStart = start + opts.warmupS * 1000;
  const windowEnd = windowStart + opts.durationS * 1000;
  const latencies: number[] = [];
  let calls = 0;
  let callsAll = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (;;) {
        const t0 = performance.now();
        if (t0 >= windowEnd) return;
        await call(client);
        callsAll += 1;
        const t1 = performance.now();
        if (t0 >= windowStart && t1 <= windowEnd) {
          calls += 1;
          latencies.push(t1 - t0);
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    transfersPerS: (calls * perCall) / opts.durationS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    clientCpuUs: (cpu.user + cpu.system) / Math.max(1, callsAll * perCall),
  };
}

interface Accounts {
  clearing: string;
  payers: string[];
  payees: string[];
  hot: string;
}

async function setUpAccounts(ledger: Ledger, tag: string): Promise<Accounts> {
  const accounts: Accounts = {
    clearing: `${tag}-clearing`,
    payers: Array.from({ length: PAYER_ACCOUNTS }, (_, i) => `${tag}-payer-${i}`),
    payees: Array.from({ length: PAYEE_ACCOUNTS }, (_, i) => `${tag}-payee-${i}`),
    hot: `${tag}-hot`,
  };
  const results = await ledger.createAccounts([
    { id: accounts.clearing, currency: 'TWD', kind: 'provider_clearing', shardCount: HOT_ACCOUNT_SHARDS },
    // Wallets are limited, as in the product, so every debit takes the account lock and sums shards.
    ...accounts.payers.map((id) => ({
      id,
      currency: 'TWD' as const,
      kind: 'user_wallet' as const,
      debitsMustNotExceedCredits: true,
      shardCount: 1,
    })),
    ...accounts.payees.map((id) => ({ id, currency: 'TWD' as const, kind: 'escrow' as const, debitsMustNotExceedCredits: true })),
    { id: accounts.hot, currency: 'TWD', kind: 'escrow', debitsMustNotExceedCredits: true, shardCount: HOT_ACCOUNT_SHARDS },
  ]);
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw failed.error;
  for (let i = 0; i < accounts.payers.length; i += FUNDING_BATCH_ITEMS) {
    const funding = await ledger.createTransfers(
      accounts.payers.slice(i, i + FUNDING_BATCH_ITEMS).map((payer) => ({
        id: `${tag}-fund-${payer}`,
        debitAccountId: accounts.clearing,
        creditAccountId: payer,
        amountMinor: PAYER_OPENING_MINOR,
        currency: 'TWD' as const,
      })),
    );
    const refused = funding.find((r) => !r.ok);
    if (refused && !refused.ok) throw refused.error;
  }
  return accounts;
}

type Scenario = 'spread' | 'hot';

function transferSource(accounts: Accounts, scenario: Scenario, runTag: string) {
  let seq = 0;
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)];
  return (client: number): TransferInput => ({
    id: `${runTag}-${client}-${(seq += 1)}`,
    debitAccountId: pick(accounts.payers),
    creditAccountId: scenario === 'hot' ? accounts.hot : pick(accounts.payees),
    amountMinor: 1 + Math.floor(Math.random() * TRANSFER_AMOUNT_MAX_MINOR),
    currency: 'TWD',
  });
}

async function benchLedger(
  ledger: Ledger,
  accounts: Accounts,
  scenario: Scenario,
  clients: number,
  batch: number,
  opts: Options,
): Promise<Measurement> {
  const next = transferSource(accounts, scenario, `${scenario}-${clients}-${batch}-${Date.now().toString(36)}`);
  if (batch <= 1) {
    return measure(clients, opts, 1, async (client) => {
      await ledger.createTransfer(next(client));
    });
  }
  return measure(clients, opts, batch, async (client) => {
    const results = await ledger.createTransfers(Array.from({ length: batch }, () => next(client)));
    const refused = results.find((r) => !r.ok);
    if (refused && !refused.ok) throw refused.error;
  });
}

/** env PGBENCH, then PATH, then the Debian/Ubuntu server packages. */
function findPgbench(): string | undefined {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && fs.existsSync(`${dir}/pgbench`)) return `${dir}/pgbench`;
  }
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => `${root}/${v}/bin/pgbench`).find((p) => fs.existsSync(p));
}

interface PgbenchTarget {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

async function preparePgbench(bin: string, url: string, scale: number): Promise<PgbenchTarget> {
  const u = new URL(url);
  const database = 'ledger_bench_pgbench';
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${database}`);
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const target: PgbenchTarget = {
    bin,
    args: ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username)],
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
  };
  await execFileAsync(bin, ['-i', '-q', '-s', String(scale), ...target.args, database], { env: target.env });
  target.args.push(database);
  return target;
}

async function runPgbench(target: PgbenchTarget, clients: number, mode: 'prepared' | 'simple', opts: Options): Promise<number> {
  const threads = Math.min(2, clients);
  if (opts.warmupS > 0) {
    await execFileAsync(
      target.bin,
      ['-b', 'tpcb-like', '-c', String(clients), '-j', String(threads), '-T', String(opts.warmupS), '-M', mode, ...target.args],
      { env: target.env },
    );
  }
  const { stdout } = await execFileAsync(
    target.bin,
    ['-b', 'tpcb-like', '-c', String(clients), '-j', String(threads), '-T', String(opts.durationS), '-M', mode, ...target.args],
    { env: target.env },
  );
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`cannot read tps from pgbench output:\n${stdout}`);
  return Number(match[1]);
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtMs = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');

interface Row {
  clients: number;
  /** One transfer per commit (autoBatch off): what group commit is measured against. */
  unbatched: Measurement;
  spread: Measurement;
  hot: Measurement;
  batchSpread?: Measurement;
  batchHot?: Measurement;
  pgbenchPrepared?: number;
  pgbenchSimple?: number;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const maxClients = Math.max(...opts.clients);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const db = await resolveDatabase(process.env, {
    ephemeral: true,
    urlVariable: 'BENCH_DATABASE_URL',
    migrationUrlVariable: 'BENCH_MIGRATION_DATABASE_URL',
  });
  // One connection per client plus headroom for the pool's own bookkeeping.
  const knex = createKnex(db.url, maxClients + 4);
  try {
    await migrateDatabase(db);
    const ledger = createLedger(knex);
    const unbatchedLedger = createLedger(knex, { autoBatch: false });
    const facts = await knex.raw<{ rows: { version: string; sync: string; fsync: string }[] }>(
      `select current_setting('server_version') as version, current_setting('synchronous_commit') as sync, current_setting('fsync') as fsync`,
    );
    const pg = facts.rows[0];
    const pgbenchBin = opts.pgbench ? findPgbench() : undefined;
    const pgbenchVersion = pgbenchBin ? execFileSync(pgbenchBin, ['--version']).toString().trim() : 'not used';
    const machine = [
      `date: ${new Date().toISOString()}`,
      `cpu: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}; memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
      `PostgreSQL ${pg.version} (${db.embedded ? 'embedded, ephemeral' : 'BENCH_DATABASE_URL'}; fsync=${pg.fsync}, synchronous_commit=${pg.sync}); node ${process.version}; ${pgbenchVersion}`,
      `each point: ${opts.warmupS} s warm-up + ${opts.durationS} s measured; payers are limited wallets (account lock + shard sum per debit); hot account has ${HOT_ACCOUNT_SHARDS} shards`,
    ];
    machine.forEach(log);

    log('setting up accounts…');
    const accounts = await setUpAccounts(ledger, `bench-${Date.now().toString(36)}`);
    const rows: Row[] = [];
    for (const clients of opts.clients) {
      log(`ledger, ${clients} client(s)…`);
      const row: Row = {
        clients,
        unbatched: await benchLedger(unbatchedLedger, accounts, 'spread', clients, 1, opts),
        spread: await benchLedger(ledger, accounts, 'spread', clients, 1, opts),
        hot: await benchLedger(ledger, accounts, 'hot', clients, 1, opts),
      };
      if (opts.batch > 1) {
        row.batchSpread = await benchLedger(ledger, accounts, 'spread', clients, opts.batch, opts);
        row.batchHot = await benchLedger(ledger, accounts, 'hot', clients, opts.batch, opts);
      }
      rows.push(row);
    }
    const totals = await ledger.totalsByCurrency();
    if (totals.TWD.netPostedMinor !== 0 || totals.TWD.netPendingMinor !== 0) throw new Error('ledger totals are not zero after the run');

    if (opts.pgbench && pgbenchBin) {
      log(`pgbench -i -s ${opts.pgbenchScale}…`);
      const target = await preparePgbench(pgbenchBin, db.adminUrl ?? db.migrationUrl, opts.pgbenchScale);
      for (const row of rows) {
        log(`pgbench, ${row.clients} client(s)…`);
        row.pgbenchPrepared = await runPgbench(target, row.clients, 'prepared', opts);
        row.pgbenchSimple = await runPgbench(target, row.clients, 'simple', opts);
      }
    } else if (opts.pgbench) {
      log('pgbench not found (looked at $PGBENCH, PATH, /usr/lib/postgresql/*/bin). Install it:');
      log('  Debian/Ubuntu: apt-get install postgresql-client (or postgresql-15), or set PGBENCH=/path/to/pgbench');
    }

    const header = [
      'clients',
      'one commit each tx/s',
      'spread tx/s',
      'p50/p99 ms',
      'hot tx/s',
      'p50/p99 ms',
      'hot/spread',
      'client CPU µs/tx',
    ];
    if (opts.batch > 1) header.push(`batch×${opts.batch} spread tx/s`, `batch×${opts.batch} hot tx/s`);
    header.push('pgbench prepared tps', 'pgbench simple tps', 'spread/pgbench', 'hot/pgbench');
    const table = rows.map((r) => {
      const cells = [
        String(r.clients),
        fmt(r.unbatched.transfersPerS),
        fmt(r.spread.transfersPerS),
        `${fmtMs(r.spread.p50Ms)} / ${fmtMs(r.spread.p99Ms)}`,
        fmt(r.hot.transfersPerS),
        `${fmtMs(r.hot.p50Ms)} / ${fmtMs(r.hot.p99Ms)}`,
        ratio(r.hot.transfersPerS, r.spread.transfersPerS),
        fmt(r.spread.clientCpuUs),
      ];
      if (opts.batch > 1) cells.push(fmt(r.batchSpread?.transfersPerS ?? Number.NaN), fmt(r.batchHot?.transfersPerS ?? Number.NaN));
      const yardstick = r.pgbenchPrepared ?? Number.NaN;
      cells.push(
        fmt(yardstick),
        fmt(r.pgbenchSimple ?? Number.NaN),
        ratio(r.spread.transfersPerS, yardstick),
        ratio(r.hot.transfersPerS, yardstick),
      );
      return cells;
    });

    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    console.log('');
    console.log(line(header));
    table.forEach((r) => console.log(line(r)));
    console.log('');
    console.log('Markdown:');
    console.log('');
    machine.forEach((m) => console.log(`- ${m}`));
    console.log(
      '- every client calls createTransfer for one transfer at a time; adaptive group commit (up to 8 calls in flight, each alone; what waits for a busy slot goes in one batch: one round trip, one commit); "one commit each" turns that off; pgbench tps = tpcb-like transactions/s',
    );
    console.log('');
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---:').join('|')}|`);
    table.forEach((r) => console.log(`| ${r.join(' | ')} |`));
  } finally {
    await knex.destroy();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
