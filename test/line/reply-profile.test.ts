import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { LineRequestRefused } from '../../src/line';
import { followEvent, newUserId, sendWebhook, startLineEmulator, textEvent, unfollowEvent } from '../../src/emulators/line';
import { EMULATOR_DEFAULTS } from '../../src/emulators/line';
import { createLineAdapter } from '../../src/line';
import { FAST_RETRY, LineFixture, startFixture } from './fixture';

/** A bot endpoint that answers 200 and remembers what it got. */
async function startSink(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const app = express();
  app.post('/webhook', express.text({ type: '*/*' }), (req, res) => {
    bodies.push(req.body as string);
    res.sendStatus(200);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

describe('reply tokens', () => {
  let fx: LineFixture;
  let sink: Awaited<ReturnType<typeof startSink>>;
  beforeEach(async () => {
    fx = await startFixture();
    sink = await startSink();
  });
  afterEach(async () => {
    await fx.emulator.close();
    await sink.close();
  });

  it('a token from a sent webhook replies once, to the user who wrote', async () => {
    const event = textEvent(fx.friend, 'I want to pay');
    await sendWebhook(sink.url, EMULATOR_DEFAULTS.channelSecret, [event], { state: fx.emulator.state });
    const adapter = fx.adapter();
    const reply = await adapter.reply(event.replyToken!, [{ type: 'text', text: 'Here is your link' }]);
    expect(reply.overflow).toEqual([]);
    const delivered = fx.emulator.state.messagesTo(fx.friend);
    expect(delivered).toMatchObject([{ via: 'reply', message: { type: 'text', text: 'Here is your link' } }]);

    const again = adapter.reply(event.replyToken!, [{ type: 'text', text: 'twice?' }]);
    await expect(again).rejects.toBeInstanceOf(LineRequestRefused);
    await expect(again).rejects.toMatchObject({ status: 400, lineMessage: 'Invalid reply token' });
    expect(fx.emulator.state.messagesTo(fx.friend)).toHaveLength(1);
  });

  it('a token never issued is refused', async () => {
    await expect(fx.adapter().reply('0123456789abcdef0123456789abcdef', [{ type: 'text', text: 'x' }])).rejects.toMatchObject({
      status: 400,
      lineMessage: 'Invalid reply token',
    });
  });

  it('a token older than one minute is refused', async () => {
    let now = Date.now();
    const emulator = await startLineEmulator({ now: () => now });
    try {
      const user = newUserId();
      emulator.state.addUser({ userId: user, displayName: 'Late' });
      const event = textEvent(user, 'hello');
      await sendWebhook(sink.url, EMULATOR_DEFAULTS.channelSecret, [event], { state: emulator.state });
      now += 61_000;
      const adapter = createLineAdapter({
        channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
        apiBaseUrl: emulator.baseUrl,
        retry: FAST_RETRY,
      });
      await expect(adapter.reply(event.replyToken!, [{ type: 'text', text: 'too late' }])).rejects.toMatchObject({ status: 400 });
      expect(emulator.state.messagesTo(user)).toHaveLength(0);
    } finally {
      await emulator.close();
    }
  });

  it('hands back what did not fit in one reply so the caller can push it', async () => {
    const event = textEvent(fx.friend, 'menu');
    await sendWebhook(sink.url, EMULATOR_DEFAULTS.channelSecret, [event], { state: fx.emulator.state });
    const messages = Array.from({ length: 7 }, (_, i) => ({ type: 'text' as const, text: `line ${i}` }));
    const reply = await fx.adapter().reply(event.replyToken!, messages);
    expect(reply.sentMessages).toHaveLength(5);
    expect(reply.overflow).toEqual(messages.slice(5));
  });
});

describe('friendship from the profile contract', () => {
  let fx: LineFixture;
  let sink: Awaited<ReturnType<typeof startSink>>;
  beforeEach(async () => {
    fx = await startFixture();
    sink = await startSink();
  });
  afterEach(async () => {
    await fx.emulator.close();
    await sink.close();
  });

  it('a friend has a profile; a non-friend and an unknown user are 404 → not friends', async () => {
    const adapter = fx.adapter();
    expect(await adapter.getProfile(fx.friend)).toMatchObject({ userId: fx.friend, displayName: 'Buyer Bao', language: 'zh-TW' });
    expect(await adapter.isFriend(fx.friend)).toBe(true);
    expect(await adapter.isFriend(fx.stranger)).toBe(false);
    expect(await adapter.isFriend(newUserId())).toBe(false);
  });

  it('unfollow and follow webhooks change what the profile says', async () => {
    const adapter = fx.adapter();
    await sendWebhook(sink.url, EMULATOR_DEFAULTS.channelSecret, [unfollowEvent(fx.friend)], { state: fx.emulator.state });
    expect(await adapter.isFriend(fx.friend)).toBe(false);
    await sendWebhook(sink.url, EMULATOR_DEFAULTS.channelSecret, [followEvent(fx.friend, true)], { state: fx.emulator.state });
    expect(await adapter.isFriend(fx.friend)).toBe(true);
  });

  it('a 5xx on profile is retried, not mistaken for "not a friend"', async () => {
    fx.emulator.state.setFaults({ failNext: 1, status: 500 });
    expect(await fx.adapter().isFriend(fx.friend)).toBe(true);
  });
});
