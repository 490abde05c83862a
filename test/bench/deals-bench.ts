/**
 * `npm run bench:deals`: full happy-path deals through the api, the worker and a Temporal dev
 * server, against the same server's rate for a one-activity "hello" workflow, in one run.
 * Prints deals/s, p50/p95/p99 of each buyer/seller interaction at an offered 20 deals/s, and
 * history events per deal. A program that prints figures, not a test: nothing here asserts.
 */
import os from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { migrateDatabase } from '../../src/db/migrate';
import { resolveDatabase } from '../../src/runtime/postgres';
import { findTemporalCli } from '../../src/runtime/temporal-cli';
import { startTemporalDevServer } from '../../src/runtime/temporal-server';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { bindPhone, eventually, lastMessage, type Link, type Party } from '../support/deal-steps';

const HELLO_WORKFLOWS = 400;
const HELLO_CONCURRENCY = 40;
/** The target's rate, then a lower one to show latency where this server is not saturated. */
const OFFERED_RATES_PER_SECOND = (process.env.BENCH_DEAL_RATES ?? '20,3').split(',').map(Number);
const DEALS_PER_RATE = 120;
const DEAL_TIMEOUT_MS = 60_000;

type Interaction = 'create_link' | 'payment_request' | 'payment_parameters' | 'otp' | 'decision';
const latencies: Record<Interaction, number[]> = { create_link: [], payment_request: [], payment_parameters: [], otp: [], decision: [] };

async function timed<T>(kind: Interaction, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    latencies[kind].push(performance.now() - start);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function readyParty(h: DealHarness): Promise<Party> {
  const party = await h.newUser();
  await h.knex('users').insert({ user_id: party.userId }).onConflict('user_id').ignore();
  await h.knex('wallets').insert({ user_id: party.userId, state: 'active' }).onConflict('user_id').merge(['state']);
  await bindPhone(h, party);
  return party;
}

async function oneDeal(h: DealHarness, seller: Party, buyer: Party, i: number): Promise<string> {
  const link: Link = (
    await timed('create_link', () =>
      h.call('POST', '/api/links', seller.token, { name: `Bench item ${i}`, unitPriceMinor: 100 + (i % 50), quantity: 1 }),
    )
  ).body;
  const code = link.paymentCode;
  const requested = await timed('payment_request', () =>
    h.call('POST', `/api/orders/${code}/payment-requests`, buyer.token, { dynamicPassword: link.dynamicPassword }),
  );
  if (requested.body.outcome !== 'payment_info') throw new Error(`request: ${JSON.stringify(requested.body)}`);
  await timed('payment_parameters', () =>
    h.call('POST', `/api/orders/${code}/payment-parameters`, buyer.token, { paymentSource: { type: 'card', token: 'tok_visa' } }),
  );
  const otp = lastMessage(h, buyer.userId, 'otp').otp;
  await timed('otp', () => h.call('POST', `/api/orders/${code}/otp`, buyer.token, { otp }));
  await eventually(
    async () => (await h.client.workflow.getHandle(`order:${code}`).query<{ state: string }>('orderView')).state === 'escrow',
    DEAL_TIMEOUT_MS,
    20,
  );
  await timed('decision', () => h.call('POST', `/api/orders/${code}/decision`, buyer.token, { decision: 'agree' }));
  await h.client.workflow.getHandle(`order:${code}`).result();
  return code;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const database = await resolveDatabase(process.env, {
    ephemeral: true,
    urlVariable: 'BENCH_DATABASE_URL',
    migrationUrlVariable: 'BENCH_MIGRATION_DATABASE_URL',
  });
  await migrateDatabase(database);
  const cli = await findTemporalCli(process.env);
  const temporal = await startTemporalDevServer({ cli, headless: true });
  process.env.DATABASE_URL = database.url;
  process.env.TEMPORAL_ADDRESS = temporal.address;
  const h = await startDealHarness({ env: { LIMIT_POLICY: JSON.stringify(benchLimitPolicy()) } });
  try {
    // Baseline: the same server's rate for a one-activity workflow.
    const helloStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: HELLO_CONCURRENCY }, async () => {
        while (next < HELLO_WORKFLOWS) {
          const n = next++;
          await h.client.workflow.execute('helloWorkflow', {
            taskQueue: h.settings.taskQueue,
            workflowId: `hello-${process.pid}-${n}`,
            args: [`bench ${n}`],
          });
        }
      }),
    );
    const helloPerSecond = HELLO_WORKFLOWS / ((performance.now() - helloStart) / 1000);

    const seller = await readyParty(h);
    const cpus = os.cpus();
    console.log(`\n## bench:deals — ${new Date().toISOString()}`);
    console.log(
      `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; Temporal CLI dev server (1 shard, SQLite in memory); PostgreSQL embedded; one worker and the api in this process; LINE identity via the emulator, chat recorded\n`,
    );
    console.log(`hello workflows/s (1 activity, ${HELLO_CONCURRENCY} concurrent): ${helloPerSecond.toFixed(1)}\n`);
    let first: string | undefined;
    for (const rate of OFFERED_RATES_PER_SECOND) {
      const buyers = await Promise.all(Array.from({ length: DEALS_PER_RATE }, () => readyParty(h)));
      for (const k of Object.keys(latencies) as Interaction[]) latencies[k] = [];
      // Open loop: a new deal every 1/rate s, whatever the others are doing.
      const started = performance.now();
      const deals: Array<Promise<string>> = [];
      for (let i = 0; i < DEALS_PER_RATE; i += 1) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        deals.push(oneDeal(h, seller, buyers[i], i));
      }
      const settled = await Promise.allSettled(deals);
      const elapsedS = (performance.now() - started) / 1000;
      const completed = settled.filter((x) => x.status === 'fulfilled') as Array<PromiseFulfilledResult<string>>;
      const failed = settled.filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
      first ??= completed[0]?.value;
      const dealsPerSecond = completed.length / elapsedS;
      const all = Object.values(latencies).flat();
      console.log(`### offered ${rate} deals/s (${completed.length} ok, ${failed.length} failed)\n`);
      console.log('| measure | value | target |');
      console.log('|---|---:|---:|');
      console.log(`| full deals/s completed | ${dealsPerSecond.toFixed(1)} | — |`);
      console.log(`| deals/s ÷ hello/s | ${((100 * dealsPerSecond) / helloPerSecond).toFixed(0)} % | ≥ 12 % |`);
      console.log(`| interaction p99, all kinds | ${percentile(all, 99).toFixed(0)} ms | ≤ 150 ms at 20 deals/s |`);
      console.log('\n| interaction | n | p50 ms | p95 ms | p99 ms |');
      console.log('|---|---:|---:|---:|---:|');
      for (const [kind, values] of Object.entries(latencies)) {
        console.log(
          `| ${kind} | ${values.length} | ${percentile(values, 50).toFixed(0)} | ${percentile(values, 95).toFixed(0)} | ${percentile(values, 99).toFixed(0)} |`,
        );
      }
      if (failed.length > 0) console.log(`\nfirst failure: ${String(failed[0].reason).slice(0, 300)}`);
      console.log('');
    }
    if (first) {
      const history = await h.client.workflow.getHandle(`order:${first}`).fetchHistory();
      console.log(`history events per happy-path deal: ${history.events?.length ?? 0} (target ≤ 45)`);
    }
  } finally {
    await h.close();
    await temporal.stop();
    await database.stop();
  }
}

/** The benchmark's one seller takes hundreds of payments an hour: production limits would refuse it. */
function benchLimitPolicy() {
  const big = 1_000_000_000;
  return {
    currency: 'TWD',
    rules: [{ name: 'seller.payments_per_hour', subject: 'seller', windowMs: 3_600_000, measure: 'count', max: big }],
    tiers: { basic: { monthlySpendMinor: big, monthlyReceiveMinor: big } },
    defaultTier: 'basic',
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
