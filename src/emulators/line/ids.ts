import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_TIME_CHARS = 10;
const ULID_RANDOM_CHARS = 16;

/** ULID (as LINE's webhookEventId): 48-bit millisecond time then 80 random bits, Crockford base32. */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < ULID_TIME_CHARS; i++) {
    time = CROCKFORD_BASE32[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let random = '';
  for (let i = 0; i < ULID_RANDOM_CHARS; i++) random += CROCKFORD_BASE32[randomInt(32)];
  return time + random;
}

/** LINE user ids: "U" and 32 lowercase hex digits. */
export const USER_ID_PATTERN = /^U[0-9a-f]{32}$/;

export function newUserId(): string {
  return 'U' + randomBytes(16).toString('hex');
}

/** x-line-request-id values are opaque; LINE's look like UUIDs. */
export function newRequestId(): string {
  return randomUUID();
}

export function newReplyToken(): string {
  return randomBytes(16).toString('hex');
}

export function newQuoteToken(): string {
  return randomBytes(48).toString('base64url');
}

export function newOpaqueToken(): string {
  return randomBytes(24).toString('base64url');
}

/** LINE message ids are decimal strings that grow over time. */
let lastMessageId = BigInt(Date.now()) * 1000n;
export function newMessageId(): string {
  lastMessageId += 1n;
  return lastMessageId.toString();
}
