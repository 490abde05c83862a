/**
 * Turning a signed callback from an outside service into a typed event. Signature first, then
 * JSON, then shape: an unsigned or altered body is never parsed into something we might act on.
 */
import { z } from 'zod';
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, verifySignedPayload } from './signature';

export type InvalidWebhookReason = 'malformed-header' | 'stale-timestamp' | 'signature-mismatch' | 'invalid-json' | 'invalid-shape';

/** The receiver should answer 400 and must not act; the sender will retry or alert. */
export class InvalidWebhook extends Error {
  constructor(
    readonly reason: InvalidWebhookReason,
    detail?: string,
  ) {
    super(`invalid webhook: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'InvalidWebhook';
  }
}

export interface WebhookCheckOptions {
  toleranceSeconds?: number;
  /** Unix seconds; for tests. */
  nowSeconds?: number;
}

export function parseSignedEvent<S extends z.ZodTypeAny>(
  schema: S,
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
  options: WebhookCheckOptions = {},
): z.infer<S> {
  const check = verifySignedPayload(
    secret,
    rawBody,
    signatureHeader,
    options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
    options.nowSeconds,
  );
  if (!check.ok) throw new InvalidWebhook(check.reason);
  let json: unknown;
  try {
    json = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    throw new InvalidWebhook('invalid-json');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidWebhook('invalid-shape', parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** The envelope every callback from our outside services shares (Stripe-like). */
export function eventEnvelope<T extends string, D extends z.ZodTypeAny>(type: T, data: D) {
  return z.object({
    id: z.string().startsWith('evt_'),
    type: z.literal(type),
    /** Unix seconds when the event happened (not when this delivery was attempted). */
    created: z.number().int().nonnegative(),
    data,
  });
}
