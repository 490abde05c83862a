import type { Knex } from 'knex';
import { keyedHash, normaliseIdentifier } from '../src/crypto';

/**
 * S401–S402: is any of the buyer's identities on the watch-list (police fraud reports, bank
 * credit black-lists, other databases)? Entries hold only keyed hashes; removed and expired
 * entries do not count.
 */
export async function isWatchListed(
  knex: Knex,
  hashSecret: string,
  keys: { lineUserId: string; orderNumber: string; phoneHashes: string[] },
): Promise<boolean> {
  const pairs: Array<[string, string]> = [
    ['line_user_id', keyedHash(hashSecret, normaliseIdentifier('line_user_id', keys.lineUserId))],
    ['order_number', keyedHash(hashSecret, normaliseIdentifier('order_number', keys.orderNumber))],
    ...keys.phoneHashes.map((h): [string, string] => ['phone', h]),
  ];
  const hit = await knex('watchlist_entries')
    .where((q) => {
      for (const [type, hash] of pairs) q.orWhere({ key_type: type, key_hash: hash });
    })
    .whereNull('removed_at')
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', knex.fn.now()))
    .first('id');
  return hit !== undefined;
}
