import express, { Router, type ErrorRequestHandler } from 'express';
import { JSONParseError, SignatureValidationFailed, middleware as lineMiddleware } from '@line/bot-sdk';
import type { Knex } from 'knex';
import { sendProblem } from '../../api/problem';
import { toInboxRow, type InboxInsert } from './inbox';
import { createInboxWriter } from './inbox-writer';
import { logger } from '../../observability/logger';

const inboxLog = logger('line-webhook');

/**
 * POST /webhooks/line: check LINE's signature over the exact bytes, store each event once in
 * the inbox, answer 200. Processing happens later (startInboxProcessor), so LINE gets its
 * acknowledgement in one INSERT's time and a slow deal step never makes LINE redeliver.
 */
export const LINE_WEBHOOK_PATH = '/webhooks/line';
/** LINE's webhook bodies are a few KB; anything far larger is not LINE. */
export const WEBHOOK_BODY_MAX_BYTES = 1024 * 1024;
/** LINE batches events per delivery; more than this in one body is not a delivery we expect. */
export const WEBHOOK_MAX_EVENTS = 1000;

export interface LineWebhookDeps {
  knex: Knex;
  /** Messaging API channel secret: the key of x-line-signature. */
  channelSecret: string;
  /** Called after new events were stored (the in-process processor wakes up at once). */
  onStored?: (count: number) => void;
  log?: (line: string) => void;
}

export function lineWebhookRouter(deps: LineWebhookDeps): Router {
  const log = deps.log ?? ((line: string) => inboxLog.warn(line));
  const writer = createInboxWriter(deps.knex);
  const router = Router();
  router.post(
    LINE_WEBHOOK_PATH,
    // A bounded raw body; the SDK middleware verifies these bytes (it prefers a Buffer body).
    express.raw({ type: () => true, limit: WEBHOOK_BODY_MAX_BYTES }),
    lineMiddleware({ channelSecret: deps.channelSecret }),
    async (req, res) => {
      const events: unknown = (req.body as { events?: unknown } | null)?.events;
      if (!Array.isArray(events)) return sendProblem(res, 400, 'malformed-webhook', 'the body has no events array');
      if (events.length > WEBHOOK_MAX_EVENTS)
        return sendProblem(res, 413, 'too-many-events', `at most ${WEBHOOK_MAX_EVENTS} events per delivery`);
      const rows: InboxInsert[] = [];
      for (const event of events) {
        const parsed = toInboxRow(event);
        // A malformed event is LINE's or an attacker's mistake; it must not cost the good ones.
        if (parsed.ok) rows.push(parsed.row);
        else log(`line webhook: skipped a malformed event: ${parsed.reason}`);
      }
      const stored = (await writer.write(rows)).size;
      res.status(200).json({ received: events.length, stored });
      if (stored > 0) deps.onStored?.(stored);
    },
  );
  router.use(LINE_WEBHOOK_PATH, webhookErrors);
  return router;
}

const webhookErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof SignatureValidationFailed)
    return sendProblem(res, 401, 'bad-signature', 'x-line-signature is missing or does not match the body');
  if (err instanceof JSONParseError) return sendProblem(res, 400, 'malformed-json', 'the body is not valid JSON');
  if ((err as { type?: string }).type === 'entity.too.large')
    return sendProblem(res, 413, 'too-large', `the body is larger than ${WEBHOOK_BODY_MAX_BYTES} bytes`);
  next(err);
};
