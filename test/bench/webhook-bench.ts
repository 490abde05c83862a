/**
 * LINE webhook acknowledgement benchmark (a program, not a test): `npm run bench:webhook`.
 *
 * Starts an embedded PostgreSQL (or uses BENCH_DATABASE_URL), migrates, serves the webhook
 * router alone on loopback, and has a child process fire correctly signed one-event deliveries
 * at fixed rates (open loop: latency counts from when a request was due, so a stalled server
 * cannot hide its queue). Reports acknowledgement latency per phase and checks that every
 * acknowledged event is in the inbox. Target on a 2-core machine: p99 ≤ 20 ms at 1,000 events/s.
 *
 * Options: --rate <events/s> (1000), --seconds <s> (10).
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createKnex } from '../../src/db/knex';
import { migrateDatabase } from '../../src/db/migrate';
import { EMULATOR_DEFAULTS, newUserId, textEvent } from '../../src/emulators/line';
import { signBody } from '../../src/line/signature';
import { LINE_WEBHOOK_PATH, lineWebhookRouter } from '../../src/line/webhook';
import { resolveDatabase } from '../../src/runtime/postgres';

const TARGET_P99_MS = 20;
/** The ramp before the measured phase: warms the pool, JIT and PostgreSQL caches. */
const RAMP_FRACTIONS = [0.25, 0.5] as const;
const RAMP_SECONDS = 2;
/** Distinct LINE users the events come from. */
const USERS = 200;
/** Keep-alive sockets the generator may open; LINE also delivers over several connections. */
const MAX_SOCKETS = 64;
const REQUEST_TIMEOUT_MS = 5_000;
const DB_POOL = 20;

interface Phase {
  name: string;
  rate: number;
  seconds: number;
}
interface PhaseResult {
  name: string;
  rate: number;
  sent: number;
  ok: number;
  failed: number;
  achievedRate: number;
  latenciesMs: number[];
}
type ToChild = { url: string; phases: Phase[] };
type FromChild = { results: PhaseResult[]; eventIds: string[] };

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

// ------------------------------------------------------------------ the load generator (child)

async function generate({ url, phases }: ToChild): Promise<FromChild> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const users = Array.from({ length: USERS }, () => newUserId());
  const eventIds: string[] = [];
  const results: PhaseResult[] = [];
  let n = 0;
  const post = (body: string) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-line-signature': signBody(EMULATOR_DEFAULTS.channelSecret, body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
      req.end(body);
    });

  for (const phase of phases) {
    const total = Math.round(phase.rate * phase.seconds);
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    let ok = 0;
    const start = performance.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * phase.rate) + 1);
      for (; sent < due; sent++) {
        const dueAt = start + (sent / phase.rate) * 1000;
        const event = textEvent(users[n++ % USERS]!, `bench ${n}`);
        const body = JSON.stringify({ destination: EMULATOR_DEFAULTS.botUserId, events: [event] });
        pending.push(
          post(body).then((status) => {
            latencies.push(performance.now() - dueAt);
            if (status === 200) {
              ok++;
              eventIds.push(event.webhookEventId);
            }
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    const elapsedS = (performance.now() - start) / 1000;
    results.push({
      name: phase.name,
      rate: phase.rate,
      sent: total,
      ok,
      failed: total - ok,
      achievedRate: total / elapsedS,
      latenciesMs: latencies,
    });
  }
  agent.destroy();
  return { results, eventIds };
}

// ------------------------------------------------------------------ the server side (parent)

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const rate = option('rate', 1000);
  const seconds = option('seconds', 10);
  const database = await resolveDatabase(process.env, {
    ephemeral: true,
    urlVariable: 'BENCH_DATABASE_URL',
    migrationUrlVariable: 'BENCH_MIGRATION_DATABASE_URL',
  });
  const knex = createKnex(database.url, DB_POOL);
  let server: http.Server | undefined;
  try {
    await migrateDatabase(database);
    const app = express();
    app.use(lineWebhookRouter({ knex, channelSecret: EMULATOR_DEFAULTS.channelSecret, log: () => undefined }));
    server = http.createServer({ keepAliveTimeout: 30_000 }, app);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${LINE_WEBHOOK_PATH}`;
    const before = Number((await knex('line_inbox').count<{ count: string }[]>({ count: '*' }))[0]!.count);

    const phases: Phase[] = [
      ...RAMP_FRACTIONS.map((f) => ({ name: `ramp ${f * 100}%`, rate: Math.round(rate * f), seconds: RAMP_SECONDS })),
      { name: 'measured', rate, seconds },
    ];
    const child = fork(__filename, ['--generator'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const outcome = await new Promise<FromChild>((resolve, reject) => {
      child.once('message', (m) => resolve(m as FromChild));
      child.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
      child.send({ url, phases } satisfies ToChild);
    });
    child.kill();

    const stored = await knex('line_inbox').whereIn('webhook_event_id', outcome.eventIds).count<{ count: string }[]>({ count: '*' });
    const storedCount = Number(stored[0]!.count);
    const after = Number((await knex('line_inbox').count<{ count: string }[]>({ count: '*' }))[0]!.count);

    // Other work on the machine skews every figure; the load average says how much there was.
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
    console.log(`\nLINE webhook acknowledgement, one event per delivery, ${os.cpus().length} cores, load average ${load} (1/5/15 min)\n`);
    console.log('| phase | target events/s | achieved events/s | events | 200 OK | failed | p50 ms | p90 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of outcome.results) {
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      const f = (v: number) => v.toFixed(1);
      console.log(
        `| ${r.name} | ${r.rate} | ${r.achievedRate.toFixed(0)} | ${r.sent} | ${r.ok} | ${r.failed} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 90))} | ${f(percentile(sorted, 99))} | ${f(sorted[sorted.length - 1] ?? NaN)} |`,
      );
    }
    const acknowledged = outcome.eventIds.length;
    const measured = outcome.results[outcome.results.length - 1]!;
    const p99 = percentile(
      [...measured.latenciesMs].sort((a, b) => a - b),
      99,
    );
    console.log(
      `\nacknowledged ${acknowledged}, in the inbox ${storedCount}, lost ${acknowledged - storedCount}; inbox rows added ${after - before}`,
    );
    console.log(
      `target p99 ≤ ${TARGET_P99_MS} ms at ${rate} events/s: ${p99 <= TARGET_P99_MS && measured.failed === 0 ? 'met' : 'NOT met'} (p99 ${p99.toFixed(1)} ms)`,
    );
    if (acknowledged !== storedCount || measured.failed > 0) process.exitCode = 1;
  } finally {
    server?.closeAllConnections();
    server?.close();
    await knex.destroy();
    await database.stop();
  }
}

if (process.argv.includes('--generator')) {
  process.once('message', (m) => void generate(m as ToChild).then((out) => process.send!(out, () => process.exit(0))));
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
