import type { Knex } from 'knex';
import { createKnex } from '../../src/db/knex';
import { newUserId, postbackEvent, textEvent } from '../../src/emulators/line';
import type { LineAdapter } from '../../src/line/adapter';
import { startInboxProcessor, storeEvents, toInboxRow, type InboxEvent, type InboxProcessor } from '../../src/line/webhook';
import { eventually } from '../support/deal-steps';
import { testDatabaseUrl } from '../support/env';

/**
 * Finding 18 (LINE): what users wrote is not kept once it has been acted on, and processed rows
 * do not pile up forever. Real webhook events (as the LINE emulator builds them) go through the
 * real inbox tables and processor; only the handler is replaced.
 */
const HOUR_MS = 60 * 60_000;
const SECRET_TEXT = 'sell 1200 1 camera — call me on 0912-345-678';

describe('inbox privacy and retention', () => {
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

  async function store(event: object): Promise<string> {
    const parsed = toInboxRow(event);
    if (!parsed.ok) throw new Error(parsed.reason);
    await storeEvents(knex, [parsed.row]);
    return parsed.row.webhook_event_id;
  }

  function start(handle: (e: InboxEvent) => Promise<'done' | 'ignored'>, options: Record<string, number> = {}) {
    processor = startInboxProcessor({
      knex,
      line: {} as LineAdapter,
      temporal: {} as never,
      chat: {} as never,
      settings: {} as never,
      log: () => undefined,
      options: { concurrency: 4, pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 2, ...options },
      handle: (_ctx, e) => handle(e),
    });
  }
  const row = (id: string) => knex('line_inbox').where({ webhook_event_id: id }).first();

  it('forgets the text of a handled message, keeps who, when, what kind and the outcome', async () => {
    const user = newUserId();
    const text = textEvent(user, SECRET_TEXT);
    const postback = postbackEvent(user, 'action=agree&order=TX-AAAA-BBBB');
    const textId = await store(text);
    const postbackId = await store(postback);
    start(async (e) => (e.laneId === user ? 'done' : 'ignored'));
    await eventually(async () => (await row(textId)).processed_at !== null && (await row(postbackId)).processed_at !== null);

    const handled = await row(textId);
    expect(JSON.stringify(handled)).not.toContain('0912-345-678');
    expect(handled).toMatchObject({ outcome: 'done', event_type: 'message', user_id: user, timestamp_ms: String(text.timestamp) });
    expect(handled.payload).toMatchObject({
      webhookEventId: text.webhookEventId,
      timestamp: text.timestamp,
      source: { type: 'user', userId: user },
      message: { id: (text.message as { id: string }).id, type: 'text' },
    });
    expect(handled.payload.message.text).toBeUndefined();
    expect(handled.payload.replyToken).toBeUndefined();
    // Postback data is ours, not the user's words: it stays to explain what the bot did.
    expect((await row(postbackId)).payload.postback).toEqual({ data: 'action=agree&order=TX-AAAA-BBBB' });
  });

  it('keeps the whole event while it is set aside (a re-drive must handle it again)', async () => {
    const user = newUserId();
    const id = await store(textEvent(user, SECRET_TEXT));
    start(async (e) => {
      if (e.laneId !== user) return 'ignored';
      throw new Error('handler bug');
    });
    await eventually(async () => (await row(id)).processed_at !== null);
    expect(await row(id)).toMatchObject({ outcome: 'gave_up' });
    expect((await row(id)).payload.message.text).toBe(SECRET_TEXT);
  });

  it('deletes processed rows older than the retention period, never pending ones', async () => {
    const user = newUserId();
    const old = [await store(textEvent(user, 'old 1')), await store(textEvent(user, 'old 2')), await store(textEvent(user, 'old 3'))];
    const recent = await store(textEvent(user, 'recent'));
    start(async (e) => (e.laneId === user ? 'done' : 'ignored'));
    await eventually(async () => (await knex('line_inbox').where({ user_id: user }).whereNull('processed_at')).length === 0);
    await processor!.stop();
    processor = undefined;
    // Processed two days ago (as if); one more old event never got handled (pending, its user's lane stalled).
    await knex('line_inbox')
      .whereIn('webhook_event_id', old)
      .update({ processed_at: knex.raw("now() - interval '2 days'") });
    const stalledUser = newUserId();
    const stalled = await store(textEvent(stalledUser, 'still waiting'));
    await knex('line_inbox')
      .where({ webhook_event_id: stalled })
      .update({ received_at: knex.raw("now() - interval '40 days'"), available_at: knex.raw("now() + interval '1 day'") });

    start(async (e) => (e.laneId === user ? 'done' : 'ignored'), { retentionMs: 24 * HOUR_MS, pruneIntervalMs: 50 });
    await eventually(async () => (await knex('line_inbox').whereIn('webhook_event_id', old)).length === 0);
    expect(await row(recent)).toMatchObject({ outcome: 'done' });
    expect(await row(stalled)).toMatchObject({ processed_at: null });
  });
});
