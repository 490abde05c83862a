import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateSignature, webhook } from '@line/bot-sdk';
import { signBody, verifySignature } from '../../src/line';
import {
  EMULATOR_DEFAULTS,
  LineEmulatorState,
  followEvent,
  newUserId,
  postbackEvent,
  sendWebhook,
  textEvent,
  unfollowEvent,
} from '../../src/emulators/line';

const SECRET = 'webhook-test-channel-secret';

interface Received {
  raw: string;
  signature: string | undefined;
}

describe('webhook sender', () => {
  let server: Server;
  let url: string;
  let received: Received[];

  beforeEach(async () => {
    received = [];
    const app = express();
    app.post('/callback', express.raw({ type: '*/*' }), (req, res) => {
      received.push({ raw: (req.body as Buffer).toString('utf8'), signature: req.get('x-line-signature') });
      res.sendStatus(200);
    });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  it('signs the exact body: the SDK and our verifier accept it, a tampered body or wrong secret does not', async () => {
    const user = newUserId();
    await sendWebhook(url, SECRET, [textEvent(user, '買一個')]);
    const [{ raw, signature }] = received as [Received];
    expect(signature).toBe(signBody(SECRET, raw));
    expect(validateSignature(raw, SECRET, signature!)).toBe(true);
    expect(verifySignature(SECRET, raw, signature)).toBe(true);

    const tampered = raw.replace('買一個', '買兩個');
    expect(tampered).not.toBe(raw);
    expect(validateSignature(tampered, SECRET, signature!)).toBe(false);
    expect(verifySignature(SECRET, tampered, signature)).toBe(false);
    expect(verifySignature('another-secret', raw, signature)).toBe(false);
    expect(verifySignature(SECRET, raw, undefined)).toBe(false);
    expect(verifySignature(SECRET, raw, 'c2hvcnQ=')).toBe(false);
  });

  it('sends {destination, events} with events shaped as webhook.yml describes', async () => {
    const user = newUserId();
    const events = [textEvent(user, 'hi'), postbackEvent(user, 'a=accept&d=1'), followEvent(user), unfollowEvent(user)];
    await sendWebhook(url, SECRET, events, { destination: EMULATOR_DEFAULTS.botUserId });
    const body = JSON.parse(received[0]!.raw) as webhook.CallbackRequest;
    expect(body.destination).toBe(EMULATOR_DEFAULTS.botUserId);
    expect(body.events.map((e) => e.type)).toEqual(['message', 'postback', 'follow', 'unfollow']);
    for (const event of body.events) {
      expect(event).toMatchObject({ mode: 'active', deliveryContext: { isRedelivery: false }, source: { type: 'user', userId: user } });
      expect(event.webhookEventId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(Math.abs(event.timestamp - Date.now())).toBeLessThan(5000);
    }
    expect(new Set(body.events.map((e) => e.webhookEventId)).size).toBe(4);
    const [message, postback, follow, unfollow] = body.events as [
      webhook.MessageEvent,
      webhook.PostbackEvent,
      webhook.FollowEvent,
      webhook.UnfollowEvent,
    ];
    expect(message.message).toMatchObject({ type: 'text', text: 'hi', id: expect.stringMatching(/^\d+$/), quoteToken: expect.any(String) });
    expect(message.replyToken).toMatch(/^[0-9a-f]{32}$/);
    expect(postback.postback).toEqual({ data: 'a=accept&d=1' });
    expect(follow.follow).toEqual({ isUnblocked: false });
    expect('replyToken' in unfollow).toBe(false);
  });

  it('honours dropWebhooks and duplicateWebhooks', async () => {
    const state = new LineEmulatorState();
    const user = newUserId();
    state.addUser({ userId: user, displayName: 'U' });

    state.setFaults({ dropWebhooks: true });
    const dropped = await sendWebhook(url, SECRET, [textEvent(user, 'lost')], { state });
    expect(dropped.deliveries).toEqual([]);
    expect(received).toHaveLength(0);

    state.setFaults({ dropWebhooks: false, duplicateWebhooks: true });
    const duplicated = await sendWebhook(url, SECRET, [textEvent(user, 'twice')], { state });
    expect(duplicated.deliveries.map((d) => d.status)).toEqual([200, 200]);
    expect(received).toHaveLength(2);
    expect(received[0]!.raw).toBe(received[1]!.raw);
    expect(received[0]!.signature).toBe(received[1]!.signature);
  });
});
