import { z } from 'zod';
import { POSTBACK_DATA_MAX_CHARS } from '../limits';

/**
 * The data of our postback buttons: `action=<action>&order=<id>`. The renderer encodes it and
 * the webhook handler decodes it. Postback data comes back from the user's phone, so decoding
 * trusts nothing; and it only says what was tapped — the handler must still check that the
 * user who tapped is allowed to act on that order.
 */
export const POSTBACK_ACTIONS = ['agree', 'confirm_agree', 'dispute', 'extend', 'pay_now', 'resend_otp'] as const;
export type PostbackActionName = (typeof POSTBACK_ACTIONS)[number];

/** Transaction codes (TX-ABCD-EFGH), payment codes and workflow ids (order:…) all fit. */
export const POSTBACK_TRANSACTION_CODE_PATTERN = /^[A-Za-z0-9:_-]{1,128}$/;

export const postbackSchema = z
  .object({
    action: z.enum(POSTBACK_ACTIONS),
    transactionCode: z.string().regex(POSTBACK_TRANSACTION_CODE_PATTERN),
  })
  .strict();
export type DealPostback = z.infer<typeof postbackSchema>;

const KEYS = { action: 'action', transactionCode: 'order' } as const;

export class InvalidPostback extends Error {
  constructor(detail: string) {
    super(`invalid postback: ${detail}`);
    this.name = 'InvalidPostback';
  }
}

/** Throws InvalidPostback: building a button from a bad id is a bug to surface, not to hide. */
export function encodePostback(postback: DealPostback): string {
  const parsed = postbackSchema.safeParse(postback);
  if (!parsed.success) throw new InvalidPostback(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  // No escaping needed: the id pattern admits no character that is special in a query string,
  // which keeps the data at most 24 + 128 characters, far below LINE's 300.
  const data = `${KEYS.action}=${parsed.data.action}&${KEYS.transactionCode}=${parsed.data.transactionCode}`;
  if (data.length > POSTBACK_DATA_MAX_CHARS) throw new InvalidPostback(`${data.length} chars, limit ${POSTBACK_DATA_MAX_CHARS}`);
  return data;
}

/** The postback, or null for anything we did not produce: unknown or repeated keys, bad values. */
export function decodePostback(data: unknown): DealPostback | null {
  if (typeof data !== 'string' || data.length === 0 || data.length > POSTBACK_DATA_MAX_CHARS) return null;
  const params = new URLSearchParams(data);
  const keys = [...params.keys()];
  const expected: string[] = Object.values(KEYS);
  if (keys.length !== expected.length || !expected.every((k) => keys.includes(k))) return null;
  const parsed = postbackSchema.safeParse({ action: params.get(KEYS.action), transactionCode: params.get(KEYS.transactionCode) });
  return parsed.success ? parsed.data : null;
}
