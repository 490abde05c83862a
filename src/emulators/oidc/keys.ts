import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SigningAlg } from './contract';

/**
 * The provider's signing keys and its JWS compact serialisation, with node:crypto only: the
 * emulator must not share a library with the verifier it is there to test.
 */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: SigningAlg; use: 'sig' };
}

const RSA_MODULUS_BITS = 2048;

export function generateSigningKey(alg: SigningAlg): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(8).toString('hex');
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** RS256 is RSASSA-PKCS1-v1_5 with SHA-256; ES256 is ECDSA P-256 with the raw r||s signature (RFC 7518 §3.4). */
export function signJwt(key: SigningKey, claims: Record<string, unknown>, typ = 'JWT'): string {
  const input = `${encode({ alg: key.alg, typ, kid: key.kid })}.${encode(claims)}`;
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The claims of a token one of `keys` signed, or undefined (for /userinfo: the provider reads only its own tokens). */
export function readOwnJwt(keys: readonly SigningKey[], token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { kid?: unknown; alg?: unknown };
    const key = keys.find((k) => k.kid === header.kid && k.alg === header.alg);
    if (!key) return undefined;
    const publicKey = createPublicKey({ key: key.publicJwk, format: 'jwk' });
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    const ok =
      key.alg === 'RS256'
        ? verify('sha256', data, publicKey, signature)
        : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!ok) return undefined;
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
