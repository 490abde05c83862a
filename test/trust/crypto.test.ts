import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/env';
import {
  DecryptionError,
  decryptField,
  developmentKey,
  encryptField,
  fieldKeyId,
  fieldKeyRingFromEnv,
  keyedHash,
  keyRing,
  maskAccount,
  maskPhone,
  needsReencryption,
  normaliseBankAccount,
  normalisePhone,
  NormaliseError,
  parseKeyRing,
  redact,
  reencryptField,
} from '../../src/crypto';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const spec = (...entries: Array<[string, Buffer]>) => entries.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');

describe('field encryption', () => {
  it('round-trips any text and never shows it in the ciphertext', () => {
    const ring = keyRing([['k1', k1]]);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (plain) => {
        const sealed = encryptField(ring, plain);
        expect(decryptField(ring, sealed)).toBe(plain);
        if (plain.length >= 4) expect(sealed).not.toContain(plain);
      }),
    );
  });

  it('uses a fresh nonce each time', () => {
    const ring = keyRing([['k1', k1]]);
    expect(encryptField(ring, '0912345678')).not.toBe(encryptField(ring, '0912345678'));
  });

  it('rotates: old ciphertexts open with the old key, reencrypt moves them to the active key', () => {
    const before = parseKeyRing(spec(['k1', k1]));
    const old = encryptField(before, '812-00123456789012');
    expect(fieldKeyId(old)).toBe('k1');

    const after = parseKeyRing(spec(['k2', k2], ['k1', k1]));
    expect(after.activeKeyId).toBe('k2');
    expect(decryptField(after, old)).toBe('812-00123456789012');
    expect(needsReencryption(after, old)).toBe(true);

    const moved = reencryptField(after, old);
    expect(fieldKeyId(moved)).toBe('k2');
    expect(reencryptField(after, moved)).toBe(moved);
    // Once moved, k1 can be retired.
    expect(decryptField(parseKeyRing(spec(['k2', k2])), moved)).toBe('812-00123456789012');
    expect(() => decryptField(parseKeyRing(spec(['k2', k2])), old)).toThrow(/no key "k1"/);
  });

  it('detects tampering with the body and with the key id (GCM authentication)', () => {
    const ring = keyRing([
      ['k2', k2],
      ['k1', k1],
    ]);
    const sealed = encryptField(ring, 'secret value');
    const [format, keyId, body] = sealed.split('.');
    const bytes = Buffer.from(body, 'base64url');
    bytes[bytes.length - 20] ^= 0x01;
    expect(() => decryptField(ring, `${format}.${keyId}.${bytes.toString('base64url')}`)).toThrow(DecryptionError);
    // Relabelling with another key id fails even though that key exists.
    expect(() => decryptField(ring, `${format}.k1.${body}`)).toThrow(DecryptionError);
  });

  it('reads FIELD_KEYS, uses a development key when unset, and refuses that in production', () => {
    const ring = fieldKeyRingFromEnv({ FIELD_KEYS: spec(['k2', k2], ['k1', k1]) });
    expect(ring.activeKeyId).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);

    expect(fieldKeyRingFromEnv({}).activeKeyId).toBe('dev');
    expect(() => fieldKeyRingFromEnv({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => fieldKeyRingFromEnv({ NODE_ENV: 'production' })).toThrow(/FIELD_KEYS/);
    const pastedDevKey = spec(['dev', developmentKey('FIELD_KEYS')]);
    expect(() => fieldKeyRingFromEnv({ NODE_ENV: 'production', FIELD_KEYS: pastedDevKey })).toThrow(/FIELD_KEYS.*development/);
    expect(() => fieldKeyRingFromEnv({ FIELD_KEYS: 'k1:c2hvcnQ=' })).toThrow(/FIELD_KEYS.*32 bytes/);
    expect(() => fieldKeyRingFromEnv({ FIELD_KEYS: spec(['k1', k1], ['k1', k2]) })).toThrow(/twice/);
  });
});

describe('keyed hash, normalisers and masks', () => {
  it('hashes equal spellings equally and depends on the secret', () => {
    const a = keyedHash('secret-a', normalisePhone('0912-345-678'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedHash('secret-a', normalisePhone('+886 912 345 678'))).toBe(a);
    expect(keyedHash('secret-b', normalisePhone('0912-345-678'))).not.toBe(a);
  });

  it('normalises Taiwanese and international phone numbers', () => {
    expect(normalisePhone('0912-345-678')).toBe('+886912345678');
    expect(normalisePhone('+886 912 345 678')).toBe('+886912345678');
    expect(normalisePhone('886912345678')).toBe('+886912345678');
    expect(normalisePhone('(02) 2345-6789')).toBe('+886223456789');
    expect(normalisePhone('+81 90-1234-5678')).toBe('+819012345678');
    expect(() => normalisePhone('12345')).toThrow(NormaliseError);
    expect(() => normalisePhone('0912-ABC-678')).toThrow(NormaliseError);
  });

  it('normalises bank accounts to bank code + digits', () => {
    expect(normaliseBankAccount('812-0012-3456-7890')).toBe('812001234567890');
    expect(normaliseBankAccount('0012 3456 7890', '812')).toBe('812001234567890');
    expect(() => normaliseBankAccount('812-12')).toThrow(NormaliseError);
  });

  it('masks phones and accounts to fixed shapes', () => {
    expect(maskPhone('0912-345-678')).toBe('+886****5678');
    expect(maskAccount('812-0012-3456-1234')).toBe('***-****1234');
    expect(maskAccount('81212341234')).toBe('***-****1234');
  });
});

describe('redact', () => {
  it('masks phone numbers, account numbers and OTP codes in a log line', () => {
    const line =
      '2024-05-01T12:34:56.789Z order ORD-7f3a buyer U4af4980629 phone 0912-345-678 alt +886 987 654 321 ' +
      'paid to 812-0012-3456-7890 with otp 482913, took 35 ms';
    const out = redact(line);
    for (const secret of ['0912-345-678', '345-678', '987 654 321', '0012-3456-7890', '482913']) expect(out).not.toContain(secret);
    expect(out).toContain('+886****5678');
    expect(out).toContain('+886****4321');
    expect(out).toContain('***-****7890');
    expect(out).toContain('otp ******,');
    // What is not personal data stays readable.
    expect(out).toContain('2024-05-01T12:34:56.789Z order ORD-7f3a buyer U4af4980629');
    expect(out).toContain('took 35 ms');
  });
});
