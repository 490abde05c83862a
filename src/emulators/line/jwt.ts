import { createHmac, timingSafeEqual } from 'node:crypto';

/** Minimal HS256 JWT, enough for LINE Login web ID tokens (signed with the channel secret). */
const HEADER = { alg: 'HS256', typ: 'JWT' };

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function hmac(secret: string, input: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signHs256(payload: object, secret: string): string {
  const input = `${encode(HEADER)}.${encode(payload)}`;
  return `${input}.${hmac(secret, input).toString('base64url')}`;
}

/** The payload when the token is well formed and the signature matches; undefined otherwise. */
export function verifyHs256(token: string, secret: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg;
    if (alg !== 'HS256') return undefined; // refuse "alg: none" and friends
    const expected = hmac(secret, `${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString());
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
