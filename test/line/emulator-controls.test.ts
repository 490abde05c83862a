import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { middleware, webhook } from '@line/bot-sdk';
import { retryKeyFor } from '../../src/line';
import { EMULATOR_DEFAULTS, RunningLineEmulator, startLineEmulator } from '../../src/emulators/line';
import { FAST_RETRY } from './fixture';
import { createLineAdapter } from '../../src/line';

/** The HTTP controls the chat simulator page and scripts use. */
describe('emulator controls over HTTP', () => {
  let emulator: RunningLineEmulator;
  let bot: Server;
  let heard: webhook.Event[];

  beforeEach(async () => {
    heard = [];
    // A bot guarded by the SDK's own signature middleware, as the product's webhook will be.
    const app = express();
    app.post('/webhook', middleware({ channelSecret: EMULATOR_DEFAULTS.channelSecret }), (req, res) => {
      heard.push(...(req.body as webhook.CallbackRequest).events);
      res.sendStatus(200);
    });
    bot = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    emulator = await startLineEmulator({ webhookUrl: `http://127.0.0.1:${(bot.address() as AddressInfo).port}/webhook` });
  });
  afterEach(async () => {
    await emulator.close();
    await new Promise<void>((r) => bot.close(() => r()));
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('creates users, relays a typed message to the bot, and lists what the bot sent back', async () => {
    const created = await call('POST', '/__emulator/users', { displayName: 'Buyer Bao' });
    expect(created.status).toBe(201);
    const { userId } = (await created.json()) as { userId: string };

    const relayed = await call('POST', '/__emulator/webhook', { type: 'text', userId, text: 'pay' });
    expect(((await relayed.json()) as { deliveries: Array<{ status: number }> }).deliveries).toEqual([{ status: 200, body: 'OK' }]);
    expect(heard).toMatchObject([{ type: 'message', message: { text: 'pay' }, source: { userId } }]);

    const adapter = createLineAdapter({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      apiBaseUrl: emulator.baseUrl,
      retry: FAST_RETRY,
    });
    await adapter.reply((heard[0] as webhook.MessageEvent).replyToken!, [{ type: 'text', text: 'link: https://pay.example/x' }]);
    const listed = (await (await call('GET', `/__emulator/messages?to=${userId}`)).json()) as Array<{ message: { text: string } }>;
    expect(listed.map((m) => m.message.text)).toEqual(['link: https://pay.example/x']);
  });

  it('sets fault switches from JSON and refuses unknown ones', async () => {
    const set = await call('POST', '/__emulator/faults', { failNext: 2, status: 503, delayMs: 5 });
    expect(await set.json()).toMatchObject({ failNext: 2, status: 503, delayMs: 5 });
    expect(emulator.state.faults.failNext).toBe(2);
    expect((await call('POST', '/__emulator/faults', { failNext: -1 })).status).toBe(400);
    expect((await call('POST', '/__emulator/faults', { explode: true })).status).toBe(400);

    const created = (await (await call('POST', '/__emulator/users', { displayName: 'B' })).json()) as { userId: string };
    const adapter = createLineAdapter({
      channelAccessToken: EMULATOR_DEFAULTS.channelAccessToken,
      apiBaseUrl: emulator.baseUrl,
      retry: FAST_RETRY,
    });
    await adapter.push(created.userId, [{ type: 'text', text: 'after two 503s' }], retryKeyFor('w', 's'));
    expect(emulator.state.faults.failNext).toBe(0);
    expect(emulator.state.messagesTo(created.userId)).toHaveLength(1);

    await call('DELETE', '/__emulator/faults');
    expect(emulator.state.faults.delayMs).toBe(0);
  });
});
