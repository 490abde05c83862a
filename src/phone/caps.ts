import type { Knex } from 'knex';
import type { PhoneVerificationPolicy } from '../config/settings';

/**
 * The two caps on phone binding. Changing numbers is the way around a phone watch-list and
 * every bound number is a row screening reads, so a user may bind only so many numbers per
 * window; and every code is a paid text to someone's phone, so codes are capped per user and
 * per number. Each answers with when the next attempt can succeed.
 */
export type CapRefusal =
  | { outcome: 'binding_limit'; bound: number; windowMs: number; retryAfterMs: number }
  | { outcome: 'send_limit'; scope: 'user' | 'number'; windowMs: number; retryAfterMs: number };

/** When the oldest counted row leaves the window. */
function retryAfterMs(oldest: Date, windowMs: number, now: Date): number {
  return Math.max(1000, oldest.getTime() + windowMs - now.getTime());
}

export async function bindingCap(
  trx: Knex.Transaction,
  userId: string,
  policy: PhoneVerificationPolicy,
  now: Date,
): Promise<CapRefusal | undefined> {
  const since = new Date(now.getTime() - policy.bindingsWindowMs);
  const row = await trx('phone_bindings')
    .where({ user_id: userId })
    .andWhere('bound_at', '>', since)
    .first<{ n: string; oldest: Date | null }>(trx.raw('count(*) as n'), trx.raw('min(bound_at) as oldest'));
  const bound = Number(row?.n ?? 0);
  if (bound < policy.bindingsPerWindow || !row?.oldest) return undefined;
  return {
    outcome: 'binding_limit',
    bound,
    windowMs: policy.bindingsWindowMs,
    retryAfterMs: retryAfterMs(row.oldest, policy.bindingsWindowMs, now),
  };
}

/** Texts that failed to go out do not count: an outage must not use up a person's tries. */
export async function sendCap(
  trx: Knex.Transaction,
  key: { userId: string; phoneHash: string },
  policy: PhoneVerificationPolicy,
  now: Date,
): Promise<CapRefusal | undefined> {
  const since = new Date(now.getTime() - policy.sendWindowMs);
  for (const [scope, where] of [
    ['user', { user_id: key.userId }],
    ['number', { phone_hash: key.phoneHash }],
  ] as const) {
    const row = await trx('phone_verifications')
      .where(where)
      .andWhere('created_at', '>', since)
      .whereNot({ state: 'send_failed' })
      .first<{ n: string; oldest: Date | null }>(trx.raw('count(*) as n'), trx.raw('min(created_at) as oldest'));
    if (Number(row?.n ?? 0) >= policy.sendsPerWindow && row?.oldest) {
      return {
        outcome: 'send_limit',
        scope,
        windowMs: policy.sendWindowMs,
        retryAfterMs: retryAfterMs(row.oldest, policy.sendWindowMs, now),
      };
    }
  }
  return undefined;
}
