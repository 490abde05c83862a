import type { Knex } from 'knex';
import { watchlistKey, type WatchlistKeyType, type WatchlistSource } from './keys';

export interface WatchlistKeys {
  lineUserId?: string;
  bankAccount?: string;
  atmAccount?: string;
  orderNumber?: string;
  phone?: string;
}

export interface WatchlistMatch {
  id: number;
  source: WatchlistSource;
  sourceRef: string;
  keyType: WatchlistKeyType;
  keyMasked: string;
  reason: string;
  expiresAt: Date | null;
}

const KEY_FIELDS: Record<keyof WatchlistKeys, WatchlistKeyType> = {
  lineUserId: 'line_user_id',
  bankAccount: 'bank_account',
  atmAccount: 'atm_account',
  orderNumber: 'order_number',
  phone: 'phone',
};

/**
 * Active entries (not removed, not expired at `at`) matching any given key. A key that cannot be
 * normalised throws NormaliseError: "no match" must not be the answer for a malformed value.
 */
export async function matchWatchlist(
  knex: Knex,
  hashSecret: string,
  keys: WatchlistKeys,
  at: Date = new Date(),
): Promise<WatchlistMatch[]> {
  const wanted = (Object.keys(KEY_FIELDS) as Array<keyof WatchlistKeys>)
    .filter((field) => keys[field] !== undefined)
    .map((field) => [KEY_FIELDS[field], watchlistKey(hashSecret, KEY_FIELDS[field], keys[field] as string).hash] as const);
  return activeEntries(knex, wanted, at);
}

/**
 * Active phone entries matching any of these keyed phone hashes, in one query however many there
 * are: a buyer's bound phones are stored as the same keyed hash the watch-list keeps
 * (`watchlistKey('phone', …).hash`), so nothing needs decrypting to screen them.
 */
export async function matchWatchlistPhoneHashes(
  knex: Knex,
  phoneHashes: readonly string[],
  at: Date = new Date(),
): Promise<WatchlistMatch[]> {
  return activeEntries(
    knex,
    [...new Set(phoneHashes)].map((hash) => ['phone', hash] as const),
    at,
  );
}

async function activeEntries(knex: Knex, wanted: ReadonlyArray<readonly [WatchlistKeyType, string]>, at: Date): Promise<WatchlistMatch[]> {
  if (wanted.length === 0) return [];
  const rows = await knex('watchlist_entries')
    .select('id', 'source', 'source_ref', 'key_type', 'key_masked', 'reason', 'expires_at')
    .whereIn(
      ['key_type', 'key_hash'],
      wanted.map(([type, hash]) => [type, hash]),
    )
    .whereNull('removed_at')
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', at))
    .orderBy('id');
  return rows.map((row) => ({
    id: Number(row.id),
    source: row.source,
    sourceRef: row.source_ref,
    keyType: row.key_type,
    keyMasked: row.key_masked,
    reason: row.reason,
    expiresAt: row.expires_at,
  }));
}
