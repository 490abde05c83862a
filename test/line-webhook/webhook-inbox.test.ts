import type { webhook } from '@line/bot-sdk';
import { EMULATOR_DEFAULTS, followEvent, sendWebhook, textEvent, ulid, unfollowEvent } from '../../src/emulators/line';
import { STRINGS } from '../../src/line/render';
import { PRODUCT_NAME_MAX_CHARS } from '../../src/line/webhook';
import { CHAT_TEXTS } from '../../src/line/webhook/texts';
import { signBody } from '../../src/line/signature';
import { activateWallet, eventually, lastMessage, userRow } from '../support/deal-steps';
import { seenBy } from './chat-view';
import { startLineDealHarness, type LineDealHarness } from './harness';

const SECRET = EMULATOR_DEFAULTS.channelSecret;
const help = CHAT_TEXTS['zh-TW'].help;

/** An event as LINE would have sent it at `timestamp` (ids are ULIDs of their time). */
function at<E extends webhook.Event>(event: E, timestamp: number): E {
  return { ...event, timestamp, webhookEventId: ulid(timestamp) };
}

describe('the LINE webhook and its inbox', () => {
  let h: LineDealHarness;
  beforeAll(async () => {
    h = await startLineDealHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.line.state.resetFaults());

  const inboxRows = (userId: string) => h.knex('line_inbox').where({ user_id: userId }).orderBy('timestamp_ms');
  const allDone = (userId: string) => eventually(async () => (await inboxRows(userId)).every((r) => r.processed_at !== null));

  it('refuses a wrong or missing signature with 401 problem+json and stores nothing', async () => {
    const { userId } = await h.newUser();
    const event = textEvent(userId, 'help');
    const wrongSecret = await sendWebhook(h.webhookUrl, 'not-the-channel-secret', [event]);
    expect(wrongSecret.deliveries[0]!.status).toBe(401);
    expect(JSON.parse(wrongSecret.deliveries[0]!.body)).toMatchObject({ status: 401, type: expect.stringContaining('bad-signature') });

    const body = JSON.stringify({ destination: EMULATOR_DEFAULTS.botUserId, events: [event] });
    const tampered = body.replace('help', 'sell');
    for (const headers of [{ 'x-line-signature': signBody(SECRET, body) }, {}] as Record<string, string>[]) {
      const res = await fetch(h.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: tampered,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await h.knex('line_inbox').where({ webhook_event_id: event.webhookEventId })).toHaveLength(0);

    // The same bytes correctly signed are accepted: the refusals above were about the signature.
    const ok = await fetch(h.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': signBody(SECRET, body) },
      body,
    });
    expect(ok.status).toBe(200);
    expect(await h.knex('line_inbox').where({ webhook_event_id: event.webhookEventId })).toHaveLength(1);
  });

  it('skips malformed events and keeps the good ones of the same delivery', async () => {
    const { userId } = await h.newUser();
    const good = textEvent(userId, 'help');
    const res = await sendWebhook(
      h.webhookUrl,
      SECRET,
      [{ type: 'message' } as unknown as webhook.Event, good, 42 as unknown as webhook.Event],
      { state: h.line.state },
    );
    expect(res.deliveries[0]!.status).toBe(200);
    expect(JSON.parse(res.deliveries[0]!.body)).toEqual({ received: 3, stored: 1 });
    await eventually(async () => seenBy(h.line, userId).some((m) => m.text === help));
  });

  it('has one effect for an event delivered three times, out of order with a newer one', async () => {
    const { userId } = await h.newUser();
    await h.knex('users').insert({ user_id: userId }).onConflict('user_id').ignore();
    const now = Date.now();
    const older = at(textEvent(userId, 'help'), now - 2000);
    const newer = at(textEvent(userId, '說明'), now - 1000);
    const redelivered = { ...older, deliveryContext: { isRedelivery: true } };
    for (const events of [[newer], [older], [redelivered], [older, newer]]) {
      const res = await sendWebhook(h.webhookUrl, SECRET, events, { state: h.line.state });
      expect(res.deliveries[0]!.status).toBe(200);
    }
    await allDone(userId);
    const rows = await inboxRows(userId);
    expect(rows.map((r) => r.webhook_event_id)).toEqual([older.webhookEventId, newer.webhookEventId]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 300)); // a second, late effect would show up by now
    expect(seenBy(h.line, userId).filter((m) => m.text === help)).toHaveLength(2);
  });

  it('keeps a user unfollowed when an older follow arrives after the unfollow', async () => {
    const { userId } = await h.newUser();
    const now = Date.now();
    const follow = at(followEvent(userId), now - 3000);
    const unfollow = at(unfollowEvent(userId), now - 1000);
    const lateFollow = at(followEvent(userId), now - 2000);
    await sendWebhook(h.webhookUrl, SECRET, [follow], { state: h.line.state });
    await eventually(async () => (await h.knex('users').where({ user_id: userId }).first())?.is_friend === true);
    await sendWebhook(h.webhookUrl, SECRET, [unfollow]);
    // "After the unfollow": once it is applied (sent back to back, both could wait for the first
    // follow's handling to end, and the older follow would then rightly be handled first).
    await eventually(async () => (await h.knex('users').where({ user_id: userId }).first())?.is_friend === false);
    await sendWebhook(h.webhookUrl, SECRET, [lateFollow]);
    await sendWebhook(h.webhookUrl, SECRET, [follow]); // and the first follow once more
    await allDone(userId);
    const user = await userRow(h, userId);
    expect(user.is_friend).toBe(false);
    expect(Number(user.friend_event_ms)).toBe(unfollow.timestamp);
    const outcomes = Object.fromEntries((await inboxRows(userId)).map((r) => [r.webhook_event_id, r.outcome]));
    expect(outcomes).toEqual({
      [follow.webhookEventId]: 'done',
      [unfollow.webhookEventId]: 'done',
      [lateFollow.webhookEventId]: 'ignored',
    });
    // Only the first follow was welcomed.
    expect(seenBy(h.line, userId).filter((m) => m.text === CHAT_TEXTS['zh-TW'].welcome)).toHaveLength(1);
  });

  /** A text the bot must answer by push (no reply token), from a user we already know. */
  async function askForHelpByPush(userId: string) {
    await h.knex('users').insert({ user_id: userId }).onConflict('user_id').ignore();
    const { replyToken: _token, ...event } = textEvent(userId, 'help');
    await sendWebhook(h.webhookUrl, SECRET, [event as webhook.Event]);
    return event.webhookEventId;
  }

  it("retries a push refused with 429, and with 5xx beyond the adapter's own retries; one message arrives", async () => {
    for (const [status, failures] of [
      [429, h.adapterRetry.maxAttempts - 1],
      [500, h.adapterRetry.maxAttempts + 1],
    ] as const) {
      const { userId } = await h.newUser();
      h.line.state.setFaults({ failNext: failures, status });
      const id = await askForHelpByPush(userId);
      await allDone(userId);
      const row = await h.knex('line_inbox').where({ webhook_event_id: id }).first();
      expect(row.outcome).toBe('done');
      // 5xx beyond the adapter's attempts needed a second processing of the event.
      expect(row.attempts).toBe(failures >= h.adapterRetry.maxAttempts ? 2 : 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(seenBy(h.line, userId).map((m) => `${m.via}:${m.text}`)).toEqual([`push:${help}`]);
    }
  });

  it('answers by push in the same attempt when LINE refuses a spent reply token', async () => {
    const { userId } = await h.newUser();
    await h.knex('users').insert({ user_id: userId }).onConflict('user_id').ignore();
    const event = textEvent(userId, 'help');
    // The token is known to LINE but already used (e.g. by an attempt whose answer we never saw).
    h.line.state.issueReplyToken(userId, event.replyToken!);
    h.line.state.consumeReplyToken(event.replyToken!);
    await sendWebhook(h.webhookUrl, SECRET, [event]);
    await allDone(userId);
    expect(await h.knex('line_inbox').where({ webhook_event_id: event.webhookEventId }).first()).toMatchObject({
      outcome: 'done',
      attempts: 1,
    });
    expect(seenBy(h.line, userId).map((m) => `${m.via}:${m.text}`)).toEqual([`push:${help}`]);
  });

  it('delivers once when LINE accepted a push but the answer was lost (retry key → 409)', async () => {
    const { userId } = await h.newUser();
    h.line.state.setFaults({ loseResponseNext: 1 });
    await askForHelpByPush(userId);
    await allDone(userId);
    await new Promise((r) => setTimeout(r, 200));
    expect(seenBy(h.line, userId).filter((m) => m.text === help)).toHaveLength(1);
  });

  it("keeps long product names within LINE's limits, and refuses names over ours", async () => {
    const seller = await h.newUser();
    await activateWallet(h, seller);
    const longest = '超長品名'.repeat(PRODUCT_NAME_MAX_CHARS / 4);
    expect(longest).toHaveLength(PRODUCT_NAME_MAX_CHARS);
    await h.say(seller.userId, `賣 999 3 ${longest}`);
    await eventually(async () => h.line.state.messagesTo(seller.userId).length > 0);
    await h.tap(seller.userId, 'm=currency&c=TWD');
    await eventually(async () => lastMessage(h, seller.userId, 'link_created') !== undefined);
    expect(lastMessage(h, seller.userId, 'link_created').product.productName).toBe(longest);
    // The emulator validates every message like LINE (alt text, sizes, labels): it was delivered.
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text.includes(STRINGS['zh-TW'].title.link_created)));
    const card = h.line.state.messagesTo(seller.userId).find((m) => (m.message as { type: string }).type === 'flex')!;
    expect(JSON.stringify(card.message).length).toBeLessThan(30 * 1024);

    await h.say(seller.userId, `sell 999 3 ${longest}!`);
    await eventually(async () => seenBy(h.line, seller.userId).some((m) => m.text === CHAT_TEXTS['zh-TW'].sellInvalid.name_too_long));
    expect(await h.knex('payment_links').where({ seller_id: seller.userId })).toHaveLength(1);
  });
});
