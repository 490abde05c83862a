import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { newUserId } from '../../src/emulators/line';
import { orderWorkflowId } from '../../src/domain/ids';
import type { LineAdapter } from '../../src/line/adapter';
import { startInboxProcessor, storeEvents, toInboxRow, type InboxEvent, type InboxProcessor } from '../../src/line/webhook';
import type { InboxOptions } from '../../src/line/webhook/processor';
import { freePort } from '../../src/runtime/ports';
import { decideUpdate } from '../../workflows/order-messages';
import { eventually } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/**
 * The inbox's retry budget by failure kind, on the real PostgreSQL: a transport failure (here
 * the very error the Temporal client throws when the server is down) is retried past the
 * business budget for as long as the event is younger than the retry horizon, and never
 * counted as the event's failure; the event's own failures are counted and end in gave_up.
 */
describe('inbox retries by failure kind', () => {
  let knex: Knex;
  let processor: InboxProcessor | undefined;
  let temporalDown: unknown;
  beforeAll(async () => {
    knex = createKnex(testDatabaseUrl(), 10);
    const connection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    try {
      await new Client({ connection }).workflow
        .getHandle(orderWorkflowId('0'.repeat(26)))
        .executeUpdate(decideUpdate, { args: [{ buyerId: newUserId(), decision: 'dispute' }], updateId: 'u' });
    } catch (err) {
      temporalDown = err;
    }
    await connection.close();
    expect(temporalDown).toBeDefined();
  });
  afterEach(async () => {
    await processor?.stop();
    processor = undefined;
  });
  afterAll(async () => {
    await knex.destroy();
  });

  let seq = 0;
  async function store(userId: string): Promise<string> {
    const id = `retry-${process.pid}-${Date.now()}-${++seq}`;
    const parsed = toInboxRow({
      type: 'retry-test',
      webhookEventId: id,
      timestamp: Date.now(),
      source: { type: 'user', userId },
      mode: 'active',
      deliveryContext: { isRedelivery: false },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    await storeEvents(knex, [parsed.row]);
    return id;
  }

  function start(options: Partial<InboxOptions>, handle: (e: InboxEvent) => Promise<'done' | 'ignored'>) {
    processor = startInboxProcessor({
      knex,
      line: {} as LineAdapter,
      temporal: {} as never,
      chat: {} as never,
      settings: {} as never,
      log: () => undefined,
      options: { concurrency: 4, pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 50, ...options },
      handle: (_ctx, e) => handle(e),
    });
  }
  const row = (id: string) => knex('line_inbox').where({ webhook_event_id: id }).first();

  it('retries Temporal being down far past the business budget, then handles the event with no failure counted', async () => {
    const user = newUserId();
    const id = await store(user);
    let calls = 0;
    start({ maxAttempts: 2, retryHorizonMs: 10 * 60_000 }, async (e) => {
      if (e.laneId !== user) return 'ignored';
      if (++calls <= 6) throw temporalDown;
      return 'done';
    });
    await eventually(async () => (await row(id)).processed_at !== null);
    expect(await row(id)).toMatchObject({ outcome: 'done', attempts: 7, failed_attempts: 0, last_failure_kind: 'transport' });
    expect((await row(id)).last_error).toMatch(/UNAVAILABLE/);
  });

  it('gives up on transport failures once the event is older than the retry horizon', async () => {
    const user = newUserId();
    const id = await store(user);
    start({ maxAttempts: 2, retryHorizonMs: 300 }, async (e) => {
      if (e.laneId !== user) return 'ignored';
      throw temporalDown;
    });
    await eventually(async () => (await row(id)).processed_at !== null);
    const r = await row(id);
    expect(r).toMatchObject({ outcome: 'gave_up', failed_attempts: 0, last_failure_kind: 'transport' });
    expect(r.attempts).toBeGreaterThan(2);
  });

  it("counts only the event's own failures against its budget", async () => {
    const user = newUserId();
    const id = await store(user);
    const script = ['event', 'transport', 'transport', 'event', 'transport'];
    start({ maxAttempts: 3, retryHorizonMs: 10 * 60_000 }, async (e) => {
      if (e.laneId !== user) return 'ignored';
      const next = script.shift();
      if (next === 'transport') throw temporalDown;
      if (next === 'event') throw new Error('unexpected postback shape');
      return 'done';
    });
    await eventually(async () => (await row(id)).processed_at !== null);
    expect(await row(id)).toMatchObject({ outcome: 'done', attempts: 6, failed_attempts: 2 });
  });

  it('sets a poisoned event aside after its budget', async () => {
    const user = newUserId();
    const id = await store(user);
    start({ maxAttempts: 3, retryHorizonMs: 10 * 60_000 }, async (e) => {
      if (e.laneId !== user) return 'ignored';
      throw new TypeError("Cannot read properties of undefined (reading 'data')");
    });
    await eventually(async () => (await row(id)).processed_at !== null);
    expect(await row(id)).toMatchObject({ outcome: 'gave_up', attempts: 3, failed_attempts: 3, last_failure_kind: 'event' });
  });
});
