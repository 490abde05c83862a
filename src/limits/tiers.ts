import type { Knex } from 'knex';
import type { LimitPolicy } from './policy';

/** An account without a row has the policy's default tier. */
export async function accountTier(db: Knex | Knex.Transaction, userId: string, policy: LimitPolicy): Promise<string> {
  const row = await db('account_tiers').where({ user_id: userId }).first<{ tier: string } | undefined>('tier');
  // A tier dropped from the policy falls back rather than lifting every cap.
  return row && row.tier in policy.tiers ? row.tier : policy.defaultTier;
}

export async function setAccountTier(db: Knex | Knex.Transaction, userId: string, tier: string, policy: LimitPolicy): Promise<void> {
  if (!(tier in policy.tiers)) throw new Error(`unknown tier "${tier}" (known: ${Object.keys(policy.tiers).join(', ')})`);
  await db('account_tiers').insert({ user_id: userId, tier, updated_at: db.fn.now() }).onConflict('user_id').merge(['tier', 'updated_at']);
}

/** Taiwan has had no daylight saving since 1979: a fixed offset is exact. */
const TAIWAN_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Start of the calendar month (Taiwan time) that contains `at`. */
export function taiwanMonthStart(at: Date): Date {
  const local = new Date(at.getTime() + TAIWAN_UTC_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - TAIWAN_UTC_OFFSET_MS);
}

export function taiwanNextMonthStart(at: Date): Date {
  const local = new Date(at.getTime() + TAIWAN_UTC_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - TAIWAN_UTC_OFFSET_MS);
}
