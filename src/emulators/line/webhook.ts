import type { webhook } from '@line/bot-sdk';
import { signWebhookBody } from './contract';
import { EMULATOR_DEFAULTS } from './options';
import { newMessageId, newQuoteToken, newReplyToken, ulid } from './ids';
import type { LineEmulatorState } from './state';

/** Event constructors shaped as webhook.yml says LINE sends them (one user, active mode, first delivery). */
function base(userId: string) {
  const timestamp = Date.now();
  return {
    timestamp,
    mode: 'active' as const,
    webhookEventId: ulid(timestamp),
    deliveryContext: { isRedelivery: false },
    source: { type: 'user' as const, userId },
  };
}

export function textEvent(userId: string, text: string): webhook.MessageEvent {
  return {
    ...base(userId),
    type: 'message',
    replyToken: newReplyToken(),
    message: { type: 'text', id: newMessageId(), text, quoteToken: newQuoteToken() },
  };
}

/** [webhook.yml] StickerMessageContent: packageId, stickerId, stickerResourceType and quoteToken are required. */
export function stickerEvent(userId: string, packageId = '446', stickerId = '1988'): webhook.MessageEvent {
  return {
    ...base(userId),
    type: 'message',
    replyToken: newReplyToken(),
    message: { type: 'sticker', id: newMessageId(), packageId, stickerId, stickerResourceType: 'STATIC', quoteToken: newQuoteToken() },
  };
}

/**
 * [webhook.yml] ImageMessageContent: the picture itself is not in the event; the bot downloads it
 * from GET /v2/bot/message/{messageId}/content (contentProvider.type `line`).
 */
export function imageEvent(userId: string, messageId: string): webhook.MessageEvent {
  return {
    ...base(userId),
    type: 'message',
    replyToken: newReplyToken(),
    message: { type: 'image', id: messageId, contentProvider: { type: 'line' }, quoteToken: newQuoteToken() },
  };
}

export function postbackEvent(userId: string, data: string, params?: Record<string, string>): webhook.PostbackEvent {
  return { ...base(userId), type: 'postback', replyToken: newReplyToken(), postback: params ? { data, params } : { data } };
}

export function followEvent(userId: string, isUnblocked = false): webhook.FollowEvent {
  return { ...base(userId), type: 'follow', replyToken: newReplyToken(), follow: { isUnblocked } };
}

export function unfollowEvent(userId: string): webhook.UnfollowEvent {
  return { ...base(userId), type: 'unfollow' };
}

export interface WebhookDelivery {
  status: number;
  body: string;
}

export interface SendWebhookResult {
  /** The exact body signed and sent. */
  body: string;
  signature: string;
  /** One entry per HTTP delivery: none when dropped, two when duplicated. */
  deliveries: WebhookDelivery[];
}

export interface SendWebhookOptions {
  /**
   * The emulator the events come from: their reply tokens become valid there, follow/unfollow
   * change friendship there, and its dropWebhooks/duplicateWebhooks switches apply.
   */
  state?: LineEmulatorState;
  /** The bot's user id, as LINE puts it in `destination`. */
  destination?: string;
}

/** Posts {destination, events} signed as LINE signs it: base64(HMAC-SHA256(channelSecret, body)). */
export async function sendWebhook(
  targetUrl: string,
  channelSecret: string,
  events: webhook.Event[],
  options: SendWebhookOptions = {},
): Promise<SendWebhookResult> {
  const { state } = options;
  if (state) applyToPlatform(state, events);
  const body = JSON.stringify({ destination: options.destination ?? EMULATOR_DEFAULTS.botUserId, events });
  const signature = signWebhookBody(channelSecret, body);
  const result: SendWebhookResult = { body, signature, deliveries: [] };
  if (state?.faults.dropWebhooks) return result;
  const copies = state?.faults.duplicateWebhooks ? 2 : 1;
  for (let i = 0; i < copies; i++) {
    // Identical bytes each time: a network-level duplicate is not marked as a redelivery.
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': signature, 'user-agent': 'LineBotWebhook/2.0' },
      body,
    });
    result.deliveries.push({ status: response.status, body: await response.text() });
  }
  return result;
}

/** What the platform itself knows once these events happened, delivered or not. */
function applyToPlatform(state: LineEmulatorState, events: webhook.Event[]): void {
  for (const event of events) {
    const userId = event.source?.type === 'user' ? event.source.userId : undefined;
    if (!userId) continue;
    if (event.type === 'follow' && state.getUser(userId)) state.setFriend(userId, true);
    if (event.type === 'unfollow' && state.getUser(userId)) state.setFriend(userId, false);
    if ('replyToken' in event && typeof event.replyToken === 'string') state.issueReplyToken(userId, event.replyToken);
  }
}
