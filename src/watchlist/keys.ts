import { keyedHash } from '../crypto/keyed-hash';
import { maskAccount, maskIdentifier, maskPhone } from '../crypto/mask';
import { normaliseBankAccount, normaliseIdentifier, normalisePhone } from '../crypto/normalise';

/** What a watch-list entry can name; each is normalised before hashing so spellings match. */
export const WATCHLIST_KEY_TYPES = ['line_user_id', 'bank_account', 'atm_account', 'order_number', 'phone'] as const;
export type WatchlistKeyType = (typeof WATCHLIST_KEY_TYPES)[number];

export const WATCHLIST_SOURCES = ['fraud_reports', 'bank_credit', 'other'] as const;
export type WatchlistSource = (typeof WATCHLIST_SOURCES)[number];

export function isWatchlistKeyType(value: string): value is WatchlistKeyType {
  return (WATCHLIST_KEY_TYPES as readonly string[]).includes(value);
}

export function normaliseWatchlistKey(keyType: WatchlistKeyType, value: string): string {
  switch (keyType) {
    case 'phone':
      return normalisePhone(value);
    case 'bank_account':
    case 'atm_account': // ATM (virtual) accounts are also bank code + digits
      return normaliseBankAccount(value);
    case 'line_user_id':
      return normaliseIdentifier('LINE user id', value);
    case 'order_number':
      return normaliseIdentifier('order number', value);
  }
}

/** The stored form: a keyed hash to match on and a mask for people; never the value. */
export function watchlistKey(hashSecret: string, keyType: WatchlistKeyType, value: string): { hash: string; masked: string } {
  const normalised = normaliseWatchlistKey(keyType, value);
  const masked =
    keyType === 'phone'
      ? maskPhone(normalised)
      : keyType === 'bank_account' || keyType === 'atm_account'
        ? maskAccount(normalised)
        : maskIdentifier(normalised);
  return { hash: keyedHash(hashSecret, normalised), masked };
}
