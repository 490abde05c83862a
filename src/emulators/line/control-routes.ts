import express, { Router } from 'express';
import { z } from 'zod';
import { newMessageId, newUserId } from './ids';
import { openLiffUrl, registerLiffApp } from './liff';
import { issueIdToken } from './login-routes';
import type { ResolvedOptions } from './options';
import { Faults, LineEmulatorState } from './state';
import { followEvent, imageEvent, postbackEvent, sendWebhook, stickerEvent, textEvent, unfollowEvent } from './webhook';

/** Test and dev controls under /__emulator; not part of LINE. */
export const CONTROL_PREFIX = '/__emulator';

const faultsSchema = z
  .object({
    failNext: z.number().int().min(0),
    status: z.union([z.literal(500), z.literal(429), z.literal(503)]),
    retryAfterSeconds: z.number().int().min(0).optional(),
    delayMs: z.number().int().min(0),
    profileDelayMs: z.number().int().min(0),
    loseResponseNext: z.number().int().min(0),
    dropWebhooks: z.boolean(),
    duplicateWebhooks: z.boolean(),
  })
  .partial()
  .strict();

const userSchema = z.object({
  userId: z.string().optional(),
  displayName: z.string().min(1),
  language: z.string().optional(),
  pictureUrl: z.string().url().optional(),
  friend: z.boolean().optional(),
});

/** A picture of up to 10 MB ([ref] #wh-image leaves the size to the app; LINE compresses photos well below that). */
const CONTENT_MAX_BYTES = 10 * 1024 * 1024;
const CONTENT_MAX_BASE64_CHARS = Math.ceil(CONTENT_MAX_BYTES / 3) * 4;

const userEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), userId: z.string(), text: z.string().min(1) }),
  z.object({ type: z.literal('postback'), userId: z.string(), data: z.string().min(1) }),
  z.object({ type: z.literal('sticker'), userId: z.string(), packageId: z.string().optional(), stickerId: z.string().optional() }),
  // A picture the user sends: its bytes (base64) become the message's content.
  z.object({
    type: z.literal('image'),
    userId: z.string(),
    contentType: z.enum(['image/jpeg', 'image/png']),
    contentBase64: z.string().min(1).max(CONTENT_MAX_BASE64_CHARS),
  }),
  z.object({ type: z.literal('follow'), userId: z.string() }),
  z.object({ type: z.literal('unfollow'), userId: z.string() }),
]);

const liffAppSchema = z.object({ liffId: z.string(), endpointUrl: z.string().url(), scope: z.array(z.string()).optional() }).strict();
const liffOpenSchema = z.object({ userId: z.string(), liffUrl: z.string().url(), idTokenTtlSeconds: z.number().int().optional() }).strict();

export function controlRoutes(state: LineEmulatorState, options: ResolvedOptions): Router {
  const router = Router();
  // The chat simulator page is served by the api, another origin; these controls are dev-only.
  router.use(CONTROL_PREFIX, (req, res, next) => {
    res.set({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    });
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });
  router.use(CONTROL_PREFIX, express.json({ limit: CONTENT_MAX_BASE64_CHARS + 1024 }));

  router.get(`${CONTROL_PREFIX}/faults`, (_req, res) => {
    res.json(state.faults);
  });

  router.post(`${CONTROL_PREFIX}/faults`, (req, res) => {
    const parsed = faultsSchema.safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ message: 'invalid faults', issues: parsed.error.issues });
    res.json(state.setFaults(parsed.data as Partial<Faults>));
  });

  router.delete(`${CONTROL_PREFIX}/faults`, (_req, res) => {
    state.resetFaults();
    res.json(state.faults);
  });

  router.get(`${CONTROL_PREFIX}/messages`, (req, res) => {
    const to = typeof req.query.to === 'string' ? req.query.to : undefined;
    res.json(to ? state.messagesTo(to) : state.allMessages());
  });

  // Every push request and its answer, and the retry keys that ever carried two bodies.
  router.get(`${CONTROL_PREFIX}/push-attempts`, (_req, res) => {
    res.json({ attempts: state.allPushAttempts(), retryKeysWithTwoBodies: state.retryKeysWithTwoBodies() });
  });

  router.get(`${CONTROL_PREFIX}/users`, (_req, res) => {
    res.json(state.listUsers());
  });

  router.post(`${CONTROL_PREFIX}/users`, (req, res) => {
    const parsed = userSchema.safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ message: 'invalid user', issues: parsed.error.issues });
    try {
      res.status(201).json(state.addUser({ ...parsed.data, userId: parsed.data.userId ?? newUserId() }));
    } catch (err) {
      res.status(400).json({ message: (err as Error).message });
    }
  });

  // LIFF-style tests: an ID token for a user without walking through authorize.
  router.post(`${CONTROL_PREFIX}/id-token`, (req, res) => {
    const body = (req.body ?? {}) as { userId?: unknown; nonce?: unknown; ttlSeconds?: unknown };
    const user = typeof body.userId === 'string' ? state.getUser(body.userId) : undefined;
    if (!user) return void res.status(404).json({ message: 'unknown emulated user' });
    const nonce = typeof body.nonce === 'string' ? body.nonce : undefined;
    const ttlSeconds = typeof body.ttlSeconds === 'number' ? body.ttlSeconds : undefined;
    res.json({ idToken: issueIdToken(state, options, user, { nonce, ttlSeconds }) });
  });

  // A LIFF app of the emulator's login channel (as added in the LINE Developers Console).
  router.post(`${CONTROL_PREFIX}/liff/apps`, (req, res) => {
    const parsed = liffAppSchema.safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ message: 'invalid LIFF app', issues: parsed.error.issues });
    try {
      res.status(201).json(registerLiffApp(state, options, parsed.data));
    } catch (err) {
      res.status(400).json({ message: (err as Error).message });
    }
  });

  // A user taps a LIFF URL inside LINE: where LINE's LIFF browser goes, credentials in the fragment (liff.ts).
  router.post(`${CONTROL_PREFIX}/liff/open`, (req, res) => {
    const parsed = liffOpenSchema.safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ message: 'invalid LIFF open', issues: parsed.error.issues });
    try {
      res.json(openLiffUrl(state, options, parsed.data));
    } catch (err) {
      res.status(400).json({ message: (err as Error).message });
    }
  });

  // The chat simulator: a user "types" something, and the bot's webhook hears it.
  router.post(`${CONTROL_PREFIX}/webhook`, async (req, res) => {
    if (!options.webhookUrl) return void res.status(409).json({ message: 'no webhookUrl configured' });
    const parsed = userEventSchema.safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ message: 'invalid event', issues: parsed.error.issues });
    const input = parsed.data;
    if (!state.getUser(input.userId)) return void res.status(404).json({ message: 'unknown emulated user' });
    const event = (() => {
      switch (input.type) {
        case 'text':
          return textEvent(input.userId, input.text);
        case 'postback':
          return postbackEvent(input.userId, input.data);
        case 'sticker':
          return stickerEvent(input.userId, input.packageId, input.stickerId);
        case 'image': {
          const messageId = newMessageId();
          state.storeContent(messageId, input.contentType, Buffer.from(input.contentBase64, 'base64'));
          return imageEvent(input.userId, messageId);
        }
        case 'follow':
          return followEvent(input.userId);
        case 'unfollow':
          return unfollowEvent(input.userId);
      }
    })();
    const result = await sendWebhook(options.webhookUrl, options.channelSecret, [event], { state, destination: options.botUserId });
    res.json({ event, deliveries: result.deliveries });
  });

  return router;
}
