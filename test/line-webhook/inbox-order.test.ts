import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { newUserId } from '../../src/emulators/line';
import type { LineAdapter } from '../../src/line/adapter';
import { startInboxProcessor, storeEvents, toInboxRow, type InboxEvent, type InboxProcessor } from '../../src/line/webhook';
import { eventually } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/**
 * The processor's scheduling alone, with a recording handler on the real PostgreSQL: per-user
 * timestamp order, users in parallel, retries with backoff, and a poisoned event set aside.
 */
const HANDLE_MS = 30;

describe('inbox processor scheduling', () => {
  let knex: Knex;
  let processor: InboxProcessor | undefined;
  beforeAll(() => {
    knex = createKnex(testDatabaseUrl(), 10);
  });
  afterEach(async () => {
    await processor?.stop();
    processor = undefined;
  });
  afterAll(async () => {
    await knex.destroy();
  });

  let seq = 0;
  const event = (userId: string, timestamp: number, note = '') => {
    const parsed = toInboxRow({
      type: 'scheduling-test',
      webhookEventId: `sched-${process.pid}-${++seq}`,
      timestamp,
      note,
      source: { type: 'user', userId },
      mode: 'active',
      deliveryContext: { isRedelivery: false },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.row;
  };

  function start(handle: (e: InboxEvent) => Promise<'done' | 'ignored'>, maxAttempts = 8) {
    processor = startInboxProcessor({
      knex,
      line: {} as LineAdapter,
      temporal: {} as never,
      chat: {} as never,
      settings: {} as never,
      log: () => undefined,
      options: { concurrency: 8, pollIntervalMs: 20, retryBaseMs: 30, retryMaxMs: 100, maxAttempts },
      handle: (_ctx, e) => handle(e),
    });
  }

  it("handles each user's events in timestamp order, one at a time, and different users in parallel", async () => {
    const users = [newUserId(), newUserId(), newUserId()];
    const base = Date.now();
    // Stored newest first, across several deliveries, as a disordered network would.
    for (let i = 4; i >= 0; i--)
      await storeEvents(
        knex,
        users.map((u) => event(u, base + i * 10)),
      );
    const log: { user: string; ts: number; start: number; end: number }[] = [];
    let running = 0;
    let maxRunning = 0;
    start(async (e) => {
      if (!users.includes(e.laneId)) return 'ignored';
      running++;
      maxRunning = Math.max(maxRunning, running);
      const start = Date.now();
      await new Promise((r) => setTimeout(r, HANDLE_MS));
      log.push({ user: e.laneId, ts: e.timestampMs, start, end: Date.now() });
      running--;
      return 'done';
    });
    await eventually(async () => log.length === 15, 10_000, 20);
    for (const user of users) {
      const mine = log.filter((l) => l.user === user);
      expect(mine.map((l) => l.ts)).toEqual([0, 1, 2, 3, 4].map((i) => base + i * 10));
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
    }
    expect(maxRunning).toBeGreaterThan(1);
    // The handler's last log line comes just before the processor records the outcome.
    await eventually(async () => (await knex('line_inbox').whereIn('user_id', users).whereNull('outcome')).length === 0, 10_000, 20);
    const rows = await knex('line_inbox').whereIn('user_id', users);
    expect(rows.every((r) => r.outcome === 'done' && r.attempts === 1)).toBe(true);
  });

  it("retries a failing event with backoff before its user's next event, and sets a poisoned one aside", async () => {
    const flaky = newUserId();
    const poisoned = newUserId();
    const base = Date.now();
    await storeEvents(knex, [
      event(flaky, base, 'fails twice'),
      event(flaky, base + 1),
      event(poisoned, base, 'always fails'),
      event(poisoned, base + 1),
    ]);
    const handled: string[] = [];
    const tries = new Map<string, number[]>();
    start(async (e) => {
      if (e.laneId !== flaky && e.laneId !== poisoned) return 'ignored';
      const note = (e.payload as unknown as { note: string }).note;
      tries.set(e.webhookEventId, [...(tries.get(e.webhookEventId) ?? []), Date.now()]);
      if (note === 'always fails' || (note === 'fails twice' && e.attempts <= 2)) throw new Error(`boom ${e.attempts}`);
      handled.push(`${e.laneId === flaky ? 'flaky' : 'poisoned'}:${note || 'next'}`);
      return 'done';
    }, 3);
    await eventually(async () => handled.length === 3, 10_000, 20);
    expect(handled.filter((h) => h.startsWith('flaky'))).toEqual(['flaky:fails twice', 'flaky:next']);
    expect(handled).toContain('poisoned:next');
    const rows = await knex('line_inbox').whereIn('user_id', [flaky, poisoned]).orderBy(['user_id', 'timestamp_ms']);
    const byNote = Object.fromEntries(rows.map((r) => [r.payload.note || `${r.user_id === flaky ? 'flaky' : 'poisoned'} next`, r]));
    expect(byNote['fails twice']).toMatchObject({ outcome: 'done', attempts: 3, last_error: 'Error: boom 2' });
    expect(byNote['always fails']).toMatchObject({ outcome: 'gave_up', attempts: 3, last_error: 'Error: boom 3' });
    // Backoff: the second retry waited longer than the first.
    const times = [...tries.values()].find((t) => t.length === 3)!;
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(times[1]! - times[0]! - 5);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(25);
  });
});
