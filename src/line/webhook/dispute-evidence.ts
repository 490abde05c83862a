import { fieldKeyRingFromEnv, type KeyRing } from '../../crypto';
import { attachEvidence, evidenceTargetFor } from '../../deal/evidence';
import { HTTPFetchError } from '@line/bot-sdk';
import { lineContentFetcher, type MessageContent } from '../content';
import { DISPUTE_STRINGS } from '../render/dispute-strings';
import { parseIntent } from './intents';
import type { EventContext, HandlerOutcome } from './context';
import type { InboxEvent } from './inbox';
import { languageOf } from './lookup';
import { text } from './respond';

/**
 * The chat's one hook for disputes (S205 with the parties): while a deal's dispute waits for this
 * user's side, a photo they send is fetched from LINE's data API and attached to the dispute,
 * and what they type (a tapped reason or their own words) is attached as their statement.
 * Commands (`sell …`) and users with nothing open fall through to the usual text handling.
 */
export async function handleDisputeMessage(ctx: EventContext, event: InboxEvent, userId: string): Promise<HandlerOutcome | undefined> {
  const message = (event.payload as { message?: { type?: string; id?: unknown; text?: unknown } }).message;
  if (!message || typeof message.id !== 'string') return undefined;
  const typed = message.type === 'text' && typeof message.text === 'string' ? message.text.trim() : undefined;
  if (message.type !== 'image' && !typed) return undefined;
  if (typed !== undefined && parseIntent(typed).kind !== 'unknown') return undefined;
  const target = await evidenceTargetFor(ctx.knex, userId);
  if (!target) return undefined;

  const words = DISPUTE_STRINGS[await languageOf(ctx.knex, ctx.line, userId)];
  const say = (value: string) => ctx.responder.respond(event, userId, [text(value)], 'evidence');
  const sourceRef = `line:${message.id}`;
  if (typed !== undefined) {
    await attachEvidence(ctx.knex, fieldRing(), { ...target, userId, sourceRef, text: typed });
    await say(words.reasonKept(typed.length > 60 ? `${typed.slice(0, 60)}…` : typed));
    return 'done';
  }
  const content = await fetchContent(ctx)(message.id).catch((err: unknown) => {
    // LINE keeps content for a while only: gone (404) is an answer to the user, anything else is retried.
    if (err instanceof HTTPFetchError && err.status === 404) return undefined;
    throw err;
  });
  if (!content) {
    await say(words.photoFailed);
    return 'done';
  }
  await attachEvidence(ctx.knex, fieldRing(), { ...target, userId, sourceRef, image: content });
  await say(words.photoKept);
  return 'done';
}

const fetchers = new WeakMap<object, (messageId: string) => Promise<MessageContent>>();
function fetchContent(ctx: EventContext): (messageId: string) => Promise<MessageContent> {
  let fetcher = fetchers.get(ctx.settings);
  if (!fetcher) {
    fetcher = lineContentFetcher({
      channelAccessToken: ctx.settings.line.channelAccessToken,
      dataApiBaseUrl: ctx.settings.line.dataApiBaseUrl,
      timeoutMs: ctx.settings.line.apiTimeoutMs,
    });
    fetchers.set(ctx.settings, fetcher);
  }
  return fetcher;
}

let ring: KeyRing | undefined;
function fieldRing(): KeyRing {
  ring ??= fieldKeyRingFromEnv(process.env);
  return ring;
}
