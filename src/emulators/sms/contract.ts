/**
 * The SMS provider's public contract as this emulator honours it. Modelled on Vonage's Messages
 * API (developer.vonage.com, "Messages API", SMS channel), stated here so the emulator does not
 * share our client's assumptions:
 *
 * - `POST /v1/messages` with a JSON body and `Authorization: Basic base64(<api key>:<api secret>)`.
 * - Body: `message_type` "text", `channel` "sms", `to` (E.164 digits WITHOUT a leading + or 00,
 *   e.g. 886912345678), `from` (a number, or an alphanumeric sender id of at most 11
 *   characters), `text` (1–1000 characters); optional `client_ref` (at most 100 characters,
 *   the caller's reference), `ttl` (seconds the network keeps trying), `webhook_url`,
 *   `webhook_version`, `sms` (encoding_type, content_id, entity_id).
 * - `202 {"message_uuid": "<uuid>"}` once the message is accepted; delivery to the handset is
 *   asynchronous.
 * - Refusals are RFC 7807 `application/problem+json` whose `type` carries the API's error code
 *   (`https://developer.vonage.com/api-errors/messages#1020`), with a trace id in `instance`:
 *   401 bad credentials; 422 with `invalid_parameters: [{name, reason}]` for missing (1010) or
 *   invalid (1020) parameters; 422 for a barred destination (1050; the status is our choice,
 *   the error list gives only the code); 429 throttled (1000); 500 internal (1030).
 *
 * Stricter than the real API on purpose: unknown top-level fields are refused (1020), so a typo
 * in our client fails a test instead of being ignored. Not modelled: other channels, JWT auth,
 * status webhooks (the product does not use them: the code typed back is the delivery receipt).
 */
import { z } from 'zod';

export const MESSAGES_PATH = '/v1/messages';
export const TEXT_MAX_CHARS = 1000;
export const CLIENT_REF_MAX_CHARS = 100;
export const ALPHANUMERIC_SENDER_MAX_CHARS = 11;
/** 72 hours: the API's default delivery window, and the longest we accept. */
export const TTL_MAX_SECONDS = 72 * 60 * 60;

export const ERROR_TYPE_BASE = 'https://developer.vonage.com/api-errors/messages#';
export const UNAUTHORIZED_TYPE = 'https://developer.vonage.com/api-errors#unauthorized';

export const ERROR_CODES = {
  throttled: 1000,
  missingParams: 1010,
  invalidParams: 1020,
  internal: 1030,
  numberBarred: 1050,
} as const;

/** E.164 digits as this API wants them: no +, no 00, 7–15 digits, no leading zero. */
export const destinationSchema = z.string().regex(/^[1-9]\d{6,14}$/, 'must be E.164 digits without a leading + or 00');

export const sendSmsRequestSchema = z
  .object({
    message_type: z.literal('text'),
    channel: z.literal('sms'),
    to: destinationSchema,
    from: z
      .string()
      .regex(
        new RegExp(`^(\\d{1,15}|[A-Za-z0-9 ]{1,${ALPHANUMERIC_SENDER_MAX_CHARS}})$`),
        `must be a number or at most ${ALPHANUMERIC_SENDER_MAX_CHARS} letters and digits`,
      ),
    text: z.string().min(1).max(TEXT_MAX_CHARS),
    client_ref: z.string().max(CLIENT_REF_MAX_CHARS).optional(),
    ttl: z.number().int().min(1).max(TTL_MAX_SECONDS).optional(),
    webhook_url: z.string().url().optional(),
    webhook_version: z.enum(['v0.1', 'v1']).optional(),
    sms: z
      .object({
        encoding_type: z.enum(['text', 'unicode', 'auto']).optional(),
        content_id: z.string().optional(),
        entity_id: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SendSmsRequest = z.infer<typeof sendSmsRequestSchema>;

/** `+886…` or `00886…` as people type them → the API's digits. */
export function destinationDigits(value: string): string {
  return value.trim().replace(/^\+|^00/, '');
}
