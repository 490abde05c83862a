import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { open, seal } from '../crypto/aead';
import { keyFor, keyRingFromEnv, type KeyRing } from '../crypto/key-ring';

/**
 * Encrypts every payload before it reaches the Temporal server, so workflow histories (and the
 * Web UI without the codec endpoint) hold no names, phone numbers or bank accounts. The whole
 * original payload - metadata included, since it can name types - is sealed; only the encoding
 * marker and the key id stay readable so a rotated ring still decodes old histories.
 *
 * PAYLOAD_KEYS is its own ring (not FIELD_KEYS): operators who decode in the UI through the
 * codec server are trusted with workflow data, not with the database columns.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';
export const PAYLOAD_KEYS_VARIABLE = 'PAYLOAD_KEYS';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const associatedData = (keyId: string) => utf8(`temporal-payload.v1.${keyId}`);

/** The sealed plaintext: the original payload as JSON with base64 bytes (no protobuf dependency). */
interface SealedPayload {
  m: Record<string, string>;
  d: string;
}

function serialise(payload: Payload): Buffer {
  const m: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) m[key] = Buffer.from(value).toString('base64');
  return utf8(JSON.stringify({ m, d: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') } satisfies SealedPayload));
}

function deserialise(bytes: Buffer): Payload {
  const parsed = JSON.parse(bytes.toString('utf8')) as SealedPayload;
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(parsed.m)) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(parsed.d, 'base64') };
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.activeKeyId;
    const key = keyFor(this.ring, keyId);
    return payloads.map((payload) => ({
      metadata: { [METADATA_ENCODING]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(keyId) },
      data: seal(key, serialise(payload), associatedData(keyId)),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING];
      // Payloads written before the codec was installed (or by other tools) pass through.
      if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return payload;
      const rawKeyId = payload.metadata?.[METADATA_KEY_ID];
      if (!rawKeyId) throw new Error(`encrypted payload without ${METADATA_KEY_ID}`);
      const keyId = Buffer.from(rawKeyId).toString('utf8');
      const plain = open(keyFor(this.ring, keyId), payload.data ?? new Uint8Array(), associatedData(keyId));
      return deserialise(plain);
    });
  }
}

export function payloadKeyRingFromEnv(env: Record<string, string | undefined> = process.env): KeyRing {
  return keyRingFromEnv(env, PAYLOAD_KEYS_VARIABLE);
}

/** For `Client`, `Worker.create` and the codec server: `{ dataConverter: dataConverterFor(settings.keys.payload) }`. */
export function dataConverterFor(ring: KeyRing): DataConverter & { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new EncryptionCodec(ring)] };
}

/** The same from an environment (tests and tools that have no Settings). */
export function dataConverterFromEnv(
  env: Record<string, string | undefined> = process.env,
): DataConverter & { payloadCodecs: PayloadCodec[] } {
  return dataConverterFor(payloadKeyRingFromEnv(env));
}
