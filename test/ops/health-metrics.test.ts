import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createKnex } from '../../src/db/knex';
import { readiness } from '../../src/observability/health';
import { freePort } from '../../src/runtime/ports';
import { auditChainScheduleId, reconciliationScheduleId } from '../../src/ops/schedules';
import { startDealHarness, type DealHarness } from '../support/deal-harness';
import { eventually } from '../support/deal-steps';
import { testDatabaseUrl, testTemporalAddress, uniqueId } from '../support/env';

/**
 * Issue 13: /healthz and /readyz on the api and on the worker's own port, /metrics on both with
 * the metrics the issue lists, and the Temporal SDK's metrics from the runtime's Prometheus
 * exporter. The worker is the real `npm run worker` entry point in a child process.
 */
describe('health and metrics', () => {
  let h: DealHarness;
  beforeAll(async () => {
    h = await startDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the api: alive, ready, and serving its metrics', async () => {
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({
      status: 200,
      body: { ready: true, checks: { postgresql: 'ok', temporal: 'ok' } },
    });
    await h.call('GET', '/api/openapi.json');
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    for (const name of [
      'escrow_http_request_duration_seconds_bucket',
      'escrow_parked_deals',
      'escrow_line_inbox_backlog',
      'escrow_line_inbox_gave_up',
      'escrow_payouts_held',
      'escrow_reconciliation_open_differences',
      'escrow_process_cpu_user_seconds_total',
    ])
      expect(text).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    expect(text).toMatch(/escrow_http_request_duration_seconds_count\{method="GET",route="\/api\/openapi.json",status_class="2xx"\} [1-9]/);
  });

  it('readiness says which dependency is unreachable', async () => {
    const deadDb = createKnex('postgres://nobody:nothing@127.0.0.1:1/none', 1);
    const deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    try {
      expect(await readiness({ knex: deadDb, temporal: h.client, timeoutMs: 1000 })).toEqual({
        ready: false,
        checks: { postgresql: 'unreachable', temporal: 'ok' },
      });
      expect(await readiness({ knex: h.knex, temporal: deadTemporal, timeoutMs: 1000 })).toEqual({
        ready: false,
        checks: { postgresql: 'ok', temporal: 'unreachable' },
      });
    } finally {
      await deadDb.destroy();
    }
  });

  describe('the worker process', () => {
    let child: ChildProcess | undefined;
    let output = '';
    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });

    it('answers /healthz, /readyz and /metrics on its port, exports the SDK metrics, and creates its schedules', async () => {
      const opsPort = await freePort();
      const sdkPort = await freePort();
      const taskQueue = uniqueId('ops-worker');
      child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'worker', 'main.ts')], {
        env: {
          ...process.env,
          ...h.staff.env,
          DATABASE_URL: testDatabaseUrl(),
          TEMPORAL_ADDRESS: testTemporalAddress(),
          TASK_QUEUE: taskQueue,
          WORKER_HTTP_PORT: String(opsPort),
          TEMPORAL_METRICS_BIND_ADDRESS: `127.0.0.1:${sdkPort}`,
          WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH ?? '',
          // Long intervals: this test looks at the schedules, not at their runs.
          RECONCILIATION_INTERVAL_MS: String(24 * 3600_000),
          AUDIT_VERIFY_INTERVAL_MS: String(24 * 3600_000),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d) => (output += String(d)));
      child.stderr!.on('data', (d) => (output += String(d)));
      const base = `http://127.0.0.1:${opsPort}`;
      try {
        await eventually(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, 60_000, 250);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        const ours = await (await fetch(`${base}/metrics`)).text();
        for (const name of ['escrow_deals', 'escrow_provider_call_errors_total', 'escrow_ledger_transfers_total', 'escrow_audit_chain_ok'])
          expect(ours).toContain(`# TYPE ${name} `);
        // The SDK's own metrics (worker task slots, polls, request counts) from the runtime's exporter.
        let sdk = '';
        await eventually(
          async () => {
            sdk = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
            return /temporal_/.test(sdk);
          },
          30_000,
          250,
        );
        expect(sdk).toMatch(/temporal_(worker|request|num_pollers|worker_task_slots)/);
        // The scheduled checks exist, on this worker's task queue.
        for (const id of [reconciliationScheduleId(taskQueue), auditChainScheduleId(taskQueue)]) {
          const description = await h.client.schedule.getHandle(id).describe();
          expect(description.action).toMatchObject({ taskQueue });
        }
        // Its log lines are JSON with the component.
        expect(output.split('\n').some((l) => l.startsWith('{') && JSON.parse(l).msg === 'worker polling')).toBe(true);
      } finally {
        for (const id of [reconciliationScheduleId(taskQueue), auditChainScheduleId(taskQueue)])
          await h.client.schedule
            .getHandle(id)
            .delete()
            .catch(() => undefined);
      }
    });
  });
});
