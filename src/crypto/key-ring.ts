import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, optionalString } from '../config/env';
import { AES_KEY_BYTES } from './aead';

/**
 * A key ring: named AES-256 keys, the first one active. Rotation is "put the new key first":
 * new ciphertexts use it, old ones still name (and decrypt with) the key they were made with.
 * Spec format: `k2:base64key,k1:base64key`.
 */
export interface KeyRing {
  readonly activeKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** Key ids travel in ciphertext headers and Temporal metadata: keep them short and plain. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export function keyRing(entries: ReadonlyArray<readonly [string, Buffer]>): KeyRing {
  if (entries.length === 0) throw new Error('a key ring needs at least one key');
  const keys = new Map<string, Buffer>();
  // Errors name an entry by position: a mangled entry may hold key material where the id should be.
  for (const [index, [id, key]] of entries.entries()) {
    if (!KEY_ID_PATTERN.test(id)) throw new Error(`entry ${index + 1}: the key id must match ${KEY_ID_PATTERN}`);
    if (key.length !== AES_KEY_BYTES) throw new Error(`entry ${index + 1}: the key must be ${AES_KEY_BYTES} bytes, got ${key.length}`);
    if (keys.has(id)) throw new Error(`entry ${index + 1}: its key id appears twice`);
    keys.set(id, key);
  }
  return { activeKeyId: entries[0][0], keys };
}

export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, index): [string, Buffer] => {
      const colon = part.indexOf(':');
      if (colon <= 0) throw new Error(`entry ${index + 1} must be id:base64key`);
      const encoded = part.slice(colon + 1);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error(`entry ${index + 1}: the key is not base64`);
      return [part.slice(0, colon), Buffer.from(encoded, 'base64')];
    });
  return keyRing(entries);
}

export function keyFor(ring: KeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`no key "${keyId}" in the key ring (was it removed before re-encryption finished?)`);
  return key;
}

/** A fixed, public key for development only: derived from a label so nobody copies a "real-looking" key. */
export function developmentKey(label: string): Buffer {
  return createHash('sha256').update(`development-only key, never for production: ${label}`).digest();
}

/**
 * Reads a key ring setting. Unset in development: one well-known key with id `dev`. In
 * production the development key is refused, whether by omission or pasted into the setting.
 */
export function keyRingFromEnv(env: Record<string, string | undefined>, variable: string): KeyRing {
  const production = optionalString(env, 'NODE_ENV') === 'production';
  const devKey = developmentKey(variable);
  const spec = optionalString(env, variable);
  if (spec === undefined) {
    if (production) throw new ConfigError(variable, 'is required in production (id:base64key,… with 32-byte keys)');
    return keyRing([['dev', devKey]]);
  }
  let ring: KeyRing;
  try {
    ring = parseKeyRing(spec);
  } catch (err) {
    throw new ConfigError(variable, (err as Error).message);
  }
  if (production && [...ring.keys.values()].some((key) => timingSafeEqual(key, devKey))) {
    throw new ConfigError(variable, 'contains the development key, which is refused in production');
  }
  return ring;
}
