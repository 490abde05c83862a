import { keyFor, keyRingFromEnv, type KeyRing } from './key-ring';
import { DecryptionError, open, seal } from './aead';

/**
 * Encryption of single columns at rest (bank account numbers, phone numbers). The text form
 * `fe1.<keyId>.<base64url(iv|ciphertext|tag)>` fits a text column and names its key, so a
 * rotated ring still opens old values and `reencryptField` can move them to the active key.
 */
const FORMAT = 'fe1';

function header(keyId: string): Buffer {
  return Buffer.from(`${FORMAT}.${keyId}`, 'utf8');
}

export function encryptField(ring: KeyRing, plaintext: string): string {
  const keyId = ring.activeKeyId;
  const sealed = seal(keyFor(ring, keyId), Buffer.from(plaintext, 'utf8'), header(keyId));
  return `${FORMAT}.${keyId}.${sealed.toString('base64url')}`;
}

function parse(ciphertext: string): { keyId: string; sealed: Buffer } {
  const parts = ciphertext.split('.');
  if (parts.length !== 3 || parts[0] !== FORMAT || parts[1] === '') {
    throw new DecryptionError(`not a ${FORMAT} field ciphertext`);
  }
  return { keyId: parts[1], sealed: Buffer.from(parts[2], 'base64url') };
}

export function fieldKeyId(ciphertext: string): string {
  return parse(ciphertext).keyId;
}

export function decryptField(ring: KeyRing, ciphertext: string): string {
  const { keyId, sealed } = parse(ciphertext);
  return open(keyFor(ring, keyId), sealed, header(keyId)).toString('utf8');
}

export function needsReencryption(ring: KeyRing, ciphertext: string): boolean {
  return fieldKeyId(ciphertext) !== ring.activeKeyId;
}

/** Same value under the active key; a value already under it is returned unchanged. */
export function reencryptField(ring: KeyRing, ciphertext: string): string {
  if (!needsReencryption(ring, ciphertext)) return ciphertext;
  return encryptField(ring, decryptField(ring, ciphertext));
}

/** The ring for columns at rest: FIELD_KEYS (`k2:base64,k1:base64`, first active). */
export function fieldKeyRingFromEnv(env: Record<string, string | undefined> = process.env): KeyRing {
  return keyRingFromEnv(env, 'FIELD_KEYS');
}
