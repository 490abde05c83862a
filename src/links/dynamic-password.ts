import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The specific dynamic password of a payment link (claim 15): derived from the product info
 * with a server secret, so it changes whenever the product info does and cannot be computed
 * without the secret. The seller passes it to the buyer in the chat; the buyer types it in.
 */
export const DYNAMIC_PASSWORD_LENGTH_CHARS = 8;
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O/1/I: people read it off a chat bubble

export interface LinkFacts {
  paymentCode: string;
  productName: string;
  unitPriceMinor: number;
  quantity: number;
  currency: string;
}

export function deriveDynamicPassword(secret: string, link: LinkFacts): string {
  const digest = createHmac('sha256', secret)
    .update(JSON.stringify([link.paymentCode, link.productName, link.unitPriceMinor, link.quantity, link.currency]))
    .digest();
  let out = '';
  for (let i = 0; i < DYNAMIC_PASSWORD_LENGTH_CHARS; i += 1) out += ALPHABET[digest[i] % ALPHABET.length];
  return out;
}

/** Constant-time comparison; case and spaces typed by a person are forgiven. */
export function dynamicPasswordMatches(secret: string, link: LinkFacts, typed: string): boolean {
  const expected = Buffer.from(deriveDynamicPassword(secret, link));
  const given = Buffer.from(typed.replace(/\s+/g, '').toUpperCase().slice(0, 64));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
