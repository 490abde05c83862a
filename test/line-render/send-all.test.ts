import type { Knex } from 'knex';
import { sendAll } from '../../activities/messaging';
import { createKnex } from '../../src/db/knex';
import { newUserId, EMULATOR_DEFAULTS, startLineEmulator, type RunningLineEmulator } from '../../src/emulators/line';
import { createLineAdapter } from '../../src/line';
import { LineChatPort } from '../../src/line/chat-port';
import { testDatabaseUrl, uniqueId } from '../support/env';
import { product, samplesFor } from './samples';

/**
 * A step re-run by a lost workflow task can render one message with another body (a time that
 * moved, an account the provider issued again). LINE's retry key names the body, so LINE would
 * take it as a new message: what was recorded as delivered under the step's key is not sent again.
 * Through the LINE emulator and the real PostgreSQL.
 */
describe('sendAll: one delivery per retry key', () => {
  let emulator: RunningLineEmulator;
  let knex: Knex;
  let port: LineChatPort;
  let userId: string;
  beforeAll(() => {
    knex = createKnex(testDatabaseUrl(), 2);
  });
  afterAll(async () => {
    await knex.destroy();
  });
  beforeEach(async () => {
    emulator = await startLineEmulator();
    userId = newUserId();
    emulator.state.addUser({ userId, displayName: '買方寶', language: 'zh-TW' });
    const adapter = createLineAdapter({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      apiBaseUrl: emulator.baseUrl,
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    });
    port = new LineChatPort(adapter, async () => 'zh-TW');
  });
  afterEach(() => emulator.close());

  it('a re-run with another body under the same key is not delivered again', async () => {
    const retryKey = uniqueId('order:rerun:deal:stage_one');
    const first = samplesFor(product).stage_one;
    await sendAll(knex, port, [{ to: userId, retryKey, message: first }]);
    const moved = { ...first, decisionDeadline: new Date(Date.parse(String(first.decisionDeadline)) + 86_400_000).toISOString() };
    await sendAll(knex, port, [{ to: userId, retryKey, message: moved }]);
    expect(emulator.state.messagesTo(userId)).toHaveLength(1);
    expect(await knex('chat_deliveries').where({ retry_key: retryKey }).select('status')).toEqual([{ status: 'delivered' }]);
  });

  it('different keys are each delivered, and the same outgoing again is still one', async () => {
    const message = samplesFor(product).payment_reminder;
    const a = uniqueId('order:k:a');
    const b = uniqueId('order:k:b');
    await sendAll(knex, port, [
      { to: userId, retryKey: a, message },
      { to: userId, retryKey: b, message },
    ]);
    await sendAll(knex, port, [{ to: userId, retryKey: a, message }]);
    expect(emulator.state.messagesTo(userId)).toHaveLength(2);
  });
});
