import { createHmac, timingSafeEqual } from 'node:crypto';

/** x-line-signature: base64(HMAC-SHA256(channelSecret, exact body bytes)). */
export function signBody(channelSecret: string, body: string | Buffer): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}

/** Constant-time check, so a forger learns nothing from how long a refusal takes. */
export function verifySignature(channelSecret: string, body: string | Buffer, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', channelSecret).update(body).digest();
  const given = Buffer.from(signature, 'base64');
  // timingSafeEqual throws on unequal lengths; a length mismatch leaks nothing secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
