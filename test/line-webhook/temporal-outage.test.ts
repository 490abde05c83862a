import { orderRow } from '../support/deal-steps';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { orderWorkflowId } from '../../src/domain/ids';
import { STRINGS } from '../../src/line/render';
import { OrderStateAttribute } from '../../src/temporal/search-attributes';
import { orderViewQuery } from '../../workflows/order-messages';
import { freePort } from '../../src/runtime/ports';
import { findTemporalCli } from '../../src/runtime/temporal-cli';
import { startTemporalDevServer, type TemporalServer } from '../../src/runtime/temporal-server';
import { eventually } from '../support/deal-steps';
import { seenBy } from './chat-view';
import { dealInEscrow } from './escrow-deal';
import { startLineDealHarness, type LineDealHarness } from './harness';

/**
 * Finding 8: a dispute tapped while the Temporal server is down must end as a dispute, never as
 * a release on silence. The test owns a Temporal dev server on its own SQLite file (the shared
 * one from the global setup is never touched), kills it with SIGKILL, taps Dispute in the
 * emulated LINE app, keeps the server down for longer than the inbox's old retry budget, starts
 * it again on the same port and file, and follows the deal to its end.
 *
 * Every duration is small here: the api's gRPC client gives up on a call after two tries (the
 * default spends ~20 s per call), and the inbox's budget for business failures is 3 attempts
 * with ~100 ms backoff. Before the fix the inbox counted transport failures against that budget
 * and set the dispute aside as gave_up within a second or two of the outage.
 */
const OLD_BUDGET_ATTEMPTS = 3;
const zh = STRINGS['zh-TW'];

describe('a dispute tapped in chat while the Temporal server is down', () => {
  let dir: string;
  let server: TemporalServer | undefined;
  let h: LineDealHarness | undefined;
  let port: number;
  let cli: string;
  const start = () => startTemporalDevServer({ cli, port, dbFilename: path.join(dir, 'temporal.db'), headless: true });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outage-temporal-'));
    cli = await findTemporalCli(process.env, () => undefined);
    port = await freePort();
    server = await start();
    h = await startLineDealHarness({
      temporalAddress: server.address,
      clientConnection: {
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 2, initialIntervalMs: () => 50 }))],
      },
      processor: { options: { maxAttempts: OLD_BUDGET_ATTEMPTS, retryBaseMs: 100, retryMaxMs: 400, retryHorizonMs: 10 * 60_000 } },
    });
  });

  afterAll(async () => {
    await h?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is acknowledged, retried through the outage, and opens the dispute once Temporal is back; nothing is released', async () => {
    const { seller, buyer, link, buttons } = await dealInEscrow(h!, { name: '二手相機', unitPriceMinor: 1500 });
    const order = () => orderRow(h!, link.paymentCode);
    expect((await order()).state).toBe('escrow');
    // Escrow as Temporal keeps it: the step's workflow task is in history (the message and the
    // row above are written by a local activity before that task completes).
    const workflow = h!.client.workflow.getHandle(orderWorkflowId(link.paymentCode));
    await eventually(async () => (await workflow.describe()).typedSearchAttributes.get(OrderStateAttribute) === 'escrow');

    await server!.kill();
    server = undefined;

    // LINE hears 200: the tap is stored before anything else is tried.
    await h!.tap(buyer.userId, buttons.dispute);
    const row = () => h!.knex('line_inbox').where({ user_id: buyer.userId, event_type: 'postback' }).first();
    // The outage lasts until the inbox has tried more often than its old budget allowed (or gave up).
    await eventually(async () => {
      const r = await row();
      return r !== undefined && (r.outcome === 'gave_up' || r.attempts > OLD_BUDGET_ATTEMPTS + 2);
    }, 60_000);
    const during = await row();
    expect((await order()).state).toBe('escrow');

    server = await start();

    await eventually(async () => (await order()).state === 'disputed', 90_000, 200);
    // The inbox kept the event through the outage: still pending, failing on transport, when Temporal came back.
    expect(during).toMatchObject({ outcome: null, processed_at: null });
    expect(during.last_error).toMatch(/UNAVAILABLE|No connection|connect|ECONNREFUSED/i);
    await eventually(async () => (await row()).outcome === 'done', 30_000);
    expect(await row()).toMatchObject({ failed_attempts: 0 });
    expect((await row()).attempts).toBeGreaterThan(OLD_BUDGET_ATTEMPTS);
    const disputeSeen = (userId: string) => seenBy(h!.line, userId).filter((m) => m.text.includes(zh.title.dispute_opened));
    for (const party of [buyer, seller]) await eventually(async () => disputeSeen(party.userId).length > 0, 30_000);
    // Never released: no settlement step was ever taken for this order.
    const steps = await h!.knex('audit_log').where({ subject: link.paymentCode }).pluck('action');
    expect(steps).toContain('order.disputed');
    expect(steps.filter((a: string) => ['order.settling', 'order.completed'].includes(a))).toEqual([]);
    expect(await h!.knex('ledger_transfers').where('id', 'like', `order:${link.paymentCode}:release%`).count('* as n')).toEqual([
      { n: '0' },
    ]);
    expect((await workflow.query(orderViewQuery)).state).toBe('disputed');
    // Exactly once each, however many times the event was tried.
    for (const party of [buyer, seller]) expect(disputeSeen(party.userId)).toHaveLength(1);
  });
});
