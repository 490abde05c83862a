import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of a normalised value: equal inputs match without the clear value being stored,
 * and without the secret a table of hashes cannot be reversed by enumerating phone numbers.
 */
export function keyedHash(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('hex');
}
