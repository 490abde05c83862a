import type { messagingApi } from '@line/bot-sdk';
import type { LineAdapter } from '../adapter';
import { LineRequestRefused } from '../errors';
import { retryKeyFor } from '../retry-key';
import type { InboxEvent } from './inbox';

/**
 * Answers an event: with its reply token while that is surely still valid (free, no quota),
 * otherwise — or when LINE refuses the token — with a push whose retry key comes from the event
 * id and the step, so a processor retry never delivers the same answer twice.
 */
/** LINE honours a reply token for one minute after delivery; keep a margin for our own latency. */
export const REPLY_TOKEN_FRESH_MS = 50_000;

export interface Responder {
  respond(event: InboxEvent, to: string, messages: messagingApi.Message[], step?: string): Promise<void>;
}

export function createResponder(line: LineAdapter, now: () => number = Date.now): Responder {
  return {
    async respond(event, to, messages, step = 'answer') {
      const replyToken = (event.payload as { replyToken?: unknown }).replyToken;
      const pushKey = retryKeyFor(`line-event:${event.webhookEventId}`, step);
      // A retried event may have spent its token on an attempt whose outcome we never learned.
      const fresh = event.attempts === 1 && now() - event.receivedAtMs < REPLY_TOKEN_FRESH_MS;
      if (typeof replyToken === 'string' && fresh) {
        try {
          const { overflow } = await line.reply(replyToken, messages);
          if (overflow.length > 0) await line.push(to, overflow, pushKey);
          return;
        } catch (err) {
          // 400 = the token is used or expired (the adapter turns LINE's 4xx into LineRequestRefused);
          // anything else will be retried by the processor.
          if (!(err instanceof LineRequestRefused && err.status === 400)) throw err;
        }
      }
      await line.push(to, messages, pushKey);
    },
  };
}

export function text(value: string): messagingApi.TextMessage {
  return { type: 'text', text: value };
}
