import { createHmac } from 'node:crypto';

/**
 * LINE's public contract as the emulated platform enforces it, stated here from LINE's own
 * documents and never taken from the product (src/line), so that a product constant that drifts
 * from LINE is caught by the emulator instead of being shared with it.
 *
 * Sources:
 * - [openapi] line/line-openapi messaging-api.yml (commit 6e4c2a2; copy in
 *   /work/shared/reference/line-openapi), the schema LINE publishes for the Messaging API;
 * - [ref] https://developers.line.biz/en/reference/messaging-api/ (section in each comment),
 *   for limits the OpenAPI schema leaves out;
 * - [docs] https://developers.line.biz/en/docs/messaging-api/ guides.
 * Character counts are UTF-16 code units, as LINE counts them and String.length does.
 */

/** [openapi] PushMessageRequest / ReplyMessageRequest.messages: minItems 1, maxItems 5. */
export const MESSAGES_PER_REQUEST_MIN = 1;
export const MESSAGES_PER_REQUEST_MAX = 5;

/** [ref] #text-message: at most 5000 characters. */
export const TEXT_MAX_CHARS = 5000;

/** [ref] #flex-message: altText at most 1500 characters. */
export const FLEX_ALT_TEXT_MAX_CHARS = 1500;

/** [ref] #template-messages: altText at most 400 characters. */
export const TEMPLATE_ALT_TEXT_MAX_CHARS = 400;

/** [ref] #bubble: the JSON of one bubble is at most 30 KB. */
export const FLEX_BUBBLE_MAX_BYTES = 30 * 1024;

/** [ref] #f-carousel: at most 12 bubbles, and the carousel's JSON at most 50 KB. */
export const FLEX_CAROUSEL_MAX_BUBBLES = 12;
export const FLEX_CAROUSEL_MAX_BYTES = 50 * 1024;

/** [openapi] PostbackAction.data: maxLength 300. */
export const POSTBACK_DATA_MAX_CHARS = 300;

/**
 * [ref] #action-objects: label at most 20 characters (postback, message, uri actions). LINE counts
 * labels in grapheme clusters ([docs] text-character-count); counting UTF-16 units here is stricter.
 */
export const ACTION_LABEL_MAX_CHARS = 20;

/** [openapi] QuickReply.items: maxItems 13. */
export const QUICK_REPLY_MAX_ITEMS = 13;

/** [openapi] QuickReplyItem.imageUrl, Sender.iconUrl: maxLength 2000; [ref] #f-image: url at most 2000 characters. */
export const URL_MAX_CHARS = 2000;

/** [ref] #uri-action: uri at most 1000 characters ([openapi] AltUri.desktop: maxLength 1000). */
export const URI_ACTION_MAX_CHARS = 1000;

/** [ref] #uri-action: the schemes a uri action may open. */
export const URI_ACTION_SCHEMES: readonly string[] = ['http:', 'https:', 'line:', 'tel:'];

/** [ref] #request-body-size: a request body is at most 2 MB (413 beyond). */
export const REQUEST_BODY_MAX_BYTES = 2 * 1024 * 1024;

/**
 * [openapi] X-Line-Retry-Key: format uuid, a UUID in hexadecimal format such as
 * 123e4567-e89b-12d3-a456-426614174000; any other value is answered 400.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** [docs] retrying-api-request: a retry key is remembered for 24 hours after its first request. */
export const RETRY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** [ref] #send-reply-message: a reply token must be used within one minute of the webhook. */
export const REPLY_TOKEN_TTL_MS = 60 * 1000;

/** Bytes of a JSON value as LINE measures its size limits (UTF-8 of the serialised JSON). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * [ref] #signature-validation: x-line-signature = base64(HMAC-SHA256(channel secret, request
 * body)), over the exact bytes sent.
 */
export function signWebhookBody(channelSecret: string, body: string | Buffer): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

/**
 * [ref] #rich-menu-object and #upload-rich-menu-image: a rich menu is 800–2500 px wide, at least
 * 250 px high, with width/height at least 1.45; its chat bar text at most 14 characters, its
 * name at most 300 ([openapi] RichMenuRequest), at most 20 tappable areas; its image a JPEG or
 * PNG of exactly that size, at most 1 MB, uploaded once. A default menu or a user's menu must
 * have its image.
 */
export const RICH_MENU_WIDTH_MIN = 800;
export const RICH_MENU_WIDTH_MAX = 2500;
export const RICH_MENU_HEIGHT_MIN = 250;
export const RICH_MENU_ASPECT_RATIO_MIN = 1.45;
export const RICH_MENU_CHAT_BAR_TEXT_MAX_CHARS = 14;
export const RICH_MENU_NAME_MAX_CHARS = 300;
export const RICH_MENU_AREAS_MAX = 20;
export const RICH_MENU_IMAGE_MAX_BYTES = 1024 * 1024;
export const RICH_MENU_IMAGE_TYPES: readonly string[] = ['image/jpeg', 'image/png'];
