/**
 * LINE Messaging API limits, as documented at
 * https://developers.line.biz/en/reference/messaging-api/ . The adapter fits messages to them and
 * the emulator enforces them, so both sides read one list.
 * Character counts are UTF-16 code units, as String.length counts them.
 */
export const MESSAGES_PER_REQUEST_MIN = 1;
export const MESSAGES_PER_REQUEST_MAX = 5;
export const TEXT_MAX_CHARS = 5000;
export const FLEX_ALT_TEXT_MAX_CHARS = 1500;
/** Template messages kept the older, smaller altText limit. */
export const TEMPLATE_ALT_TEXT_MAX_CHARS = 400;
export const FLEX_BUBBLE_MAX_BYTES = 30 * 1024;
export const FLEX_CAROUSEL_MAX_BYTES = 50 * 1024;
export const FLEX_CAROUSEL_MAX_BUBBLES = 12;
export const POSTBACK_DATA_MAX_CHARS = 300;
export const ACTION_LABEL_MAX_CHARS = 20;
export const QUICK_REPLY_MAX_ITEMS = 13;
export const URL_MAX_CHARS = 2000;
export const URI_ACTION_MAX_CHARS = 1000;
export const REQUEST_BODY_MAX_BYTES = 2 * 1024 * 1024;
export const RETRY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
export const REPLY_TOKEN_TTL_MS = 60 * 1000;

/** Schemes LINE accepts for a uri action. */
export const URI_ACTION_SCHEMES = ['http:', 'https:', 'line:', 'tel:'] as const;

/** RFC 4122 textual form; LINE asks for "a UUID in hexadecimal format" as the retry key. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
