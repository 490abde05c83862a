/**
 * Signed webhooks, shared by our three outside services (payment provider, bank verification
 * center, payout provider), their emulators and our receivers, so both ends agree byte for byte.
 *
 * Header format follows Stripe's: `X-Signature: t=<unix seconds>,v1=<hex>` where the MAC is
 * HMAC-SHA256(secret, `${t}.${rawBody}`). The timestamp is inside the MAC so an attacker cannot
 * replay an old delivery with a fresh `t`; the tolerance bounds how old a replay may be.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';
/** Default replay window; Stripe uses the same 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const HEX_SHA256_CHARS = 64;

function mac(secret: string, timestampSeconds: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Returns the value for the `X-Signature` header. */
export function signPayload(secret: string, rawBody: string | Buffer, timestampSeconds: number = nowSeconds()): string {
  return `t=${timestampSeconds},v1=${mac(secret, timestampSeconds, rawBody)}`;
}

export type SignatureCheck =
  { ok: true; timestampSeconds: number } | { ok: false; reason: 'malformed-header' | 'stale-timestamp' | 'signature-mismatch' };

/**
 * Checks a header made by `signPayload`. Several `v1=` entries are accepted (any may match)
 * because a sender rotating its secret signs with both for a while.
 */
export function verifySignedPayload(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  now: number = nowSeconds(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed-header' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed-header' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return { ok: false, reason: 'malformed-header' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      candidates.push(value);
    }
    // Unknown schemes (a future v2) are ignored, as Stripe's receivers do.
  }
  if (timestamp === undefined || candidates.length === 0) return { ok: false, reason: 'malformed-header' };
  if (Math.abs(now - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale-timestamp' };

  const expected = Buffer.from(mac(secret, timestamp, rawBody), 'hex');
  const matched = candidates.some((candidate) => {
    if (!/^[0-9a-f]+$/i.test(candidate) || candidate.length !== HEX_SHA256_CHARS) return false;
    return timingSafeEqual(expected, Buffer.from(candidate, 'hex'));
  });
  return matched ? { ok: true, timestampSeconds: timestamp } : { ok: false, reason: 'signature-mismatch' };
}
