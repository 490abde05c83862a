export { seal, open, DecryptionError, AES_KEY_BYTES } from './aead';
export { keyRing, parseKeyRing, keyRingFromEnv, developmentKey, keyFor, type KeyRing } from './key-ring';
export { encryptField, decryptField, reencryptField, needsReencryption, fieldKeyId, fieldKeyRingFromEnv } from './field-cipher';
export { keyedHash } from './keyed-hash';
export { normalisePhone, normaliseBankAccount, normaliseIdentifier, NormaliseError } from './normalise';
export { maskPhone, maskAccount, maskIdentifier } from './mask';
export { redact } from './redact';
