import { createHmac, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** Minimal JWTs: HS256 for LINE Login web ID tokens (signed with the channel secret), ES256 for LIFF. */
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

/**
 * ES256 JWT (ECDSA P-256 / SHA-256), as LINE signs the ID tokens it hands to LIFF apps: the
 * signature is the raw r‖s pair (JWS, RFC 7518 §3.4), not DER.
 */
export interface Es256Key {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newEs256Key(): Es256Key {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid: randomBytes(16).toString('hex'), privateKey, publicKey };
}

/** The public half as a JWK for a JWKS document ({keys: [...]}). */
export function es256PublicJwk(key: Es256Key): Record<string, string> {
  const jwk = key.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, kid: key.kid, alg: 'ES256', use: 'sig' };
}

export function signEs256(payload: object, key: Es256Key): string {
  const input = `${encode({ alg: 'ES256', typ: 'JWT', kid: key.kid })}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The payload when the token is an ES256 JWT signed by this key; undefined otherwise. */
export function verifyEs256(token: string, key: Es256Key): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown; kid?: unknown };
    if (head.alg !== 'ES256' || head.kid !== key.kid) return undefined;
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!ok) return undefined;
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString());
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
