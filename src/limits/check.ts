import type { Knex } from 'knex';
import { formatMoney, isCurrency } from '../domain/money';
import { recordLimitEvent, type LimitEvent } from './events';
import { DEFAULT_LIMIT_POLICY, policyAmountMinor, type LimitPolicy, type LimitSubject } from './policy';
import { accountTier, taiwanMonthStart, taiwanNextMonthStart } from './tiers';

/** A payment as the limits see it; `eventId` when it may already be recorded (a retry), so it is not counted twice. */
export type LimitRequest = Omit<LimitEvent, 'eventId'> & { eventId?: string };

export type LimitDecision = { ok: true } | { ok: false; rule: string; detail: string };

const SUBJECT_COLUMN: Record<LimitSubject, 'buyer_id' | 'seller_id' | 'phone_hash'> = {
  buyer: 'buyer_id',
  seller: 'seller_id',
  phone: 'phone_hash',
};

interface Usage {
  count: number;
  amountMinor: number;
}

/** Events in (from, until) - `until` open-ended for sliding windows, see checkLimits. Amounts in the policy currency. */
async function usage(
  db: Knex | Knex.Transaction,
  column: string,
  id: string,
  span: { from: Date; until?: Date },
  request: LimitRequest,
): Promise<Usage> {
  const query = db('limit_events')
    .where(column, id)
    .andWhere('at', '>', span.from)
    .first(db.raw('count(*)::int as count'), db.raw('coalesce(sum(policy_amount_minor), 0)::text as amount'));
  if (span.until !== undefined) query.andWhere('at', '<', span.until);
  if (request.eventId !== undefined) query.andWhere('event_id', '<>', request.eventId);
  const row = (await query) as unknown as { count: number; amount: string };
  return { count: row.count, amountMinor: Number(row.amount) };
}

function windowText(ms: number): string {
  const hours = ms / 3_600_000;
  return Number.isInteger(hours) ? `${hours} h` : `${Math.round(ms / 60_000)} min`;
}

function money(amountMinor: number, currency: string): string {
  return isCurrency(currency) ? formatMoney(amountMinor, currency) : `${currency} ${amountMinor}`;
}

/**
 * Would this payment break a velocity rule or a tier's monthly cap? Rules are checked in policy
 * order, then the tiers (buyer's spend, seller's receipts); the first refusal names its rule.
 * Every currency counts: amounts are converted to the policy currency at its reference rates.
 * A sliding window counts every event after `at - window`, including ones stamped later than
 * `at`: payments are checked concurrently and clocks differ, and the safe error is to count more.
 * Check and record are separate steps; use checkAndRecordLimitEvent when both must be atomic.
 */
export async function checkLimits(
  db: Knex | Knex.Transaction,
  request: LimitRequest,
  policy: LimitPolicy = DEFAULT_LIMIT_POLICY,
): Promise<LimitDecision> {
  const amountMinor = policyAmountMinor(policy, request.amountMinor, request.currency);
  for (const rule of policy.rules) {
    const id = rule.subject === 'buyer' ? request.buyerId : rule.subject === 'seller' ? request.sellerId : request.phoneHash;
    if (!id) continue; // no bound phone known: phone rules cannot apply
    const from = new Date(request.at.getTime() - rule.windowMs);
    const used = await usage(db, SUBJECT_COLUMN[rule.subject], id, { from }, request);
    const window = windowText(rule.windowMs);
    if (rule.measure === 'count' && used.count + 1 > rule.max) {
      return {
        ok: false,
        rule: rule.name,
        detail: `${rule.subject} already made ${used.count} payments in the last ${window}; at most ${rule.max} allowed`,
      };
    }
    if (rule.measure === 'amount' && used.amountMinor + amountMinor > rule.max) {
      return {
        ok: false,
        rule: rule.name,
        detail: `${rule.subject} would reach ${money(used.amountMinor + amountMinor, policy.currency)} in the last ${window}; at most ${money(rule.max, policy.currency)} allowed`,
      };
    }
  }

  const month = {
    from: new Date(taiwanMonthStart(request.at).getTime() - 1), // usage() excludes its start
    until: taiwanNextMonthStart(request.at),
  };
  const caps = [
    { role: 'buyer', id: request.buyerId, column: 'buyer_id', cap: 'monthlySpendMinor', verb: 'pay' },
    { role: 'seller', id: request.sellerId, column: 'seller_id', cap: 'monthlyReceiveMinor', verb: 'receive' },
  ] as const;
  for (const { role, id, column, cap, verb } of caps) {
    const tier = await accountTier(db, id, policy);
    const max = policy.tiers[tier][cap];
    const used = await usage(db, column, id, month, request);
    if (used.amountMinor + amountMinor > max) {
      return {
        ok: false,
        rule: `tier.${tier}.${role}_monthly`,
        detail: `a ${tier} ${role} may ${verb} at most ${money(max, policy.currency)} a month; this payment would make ${money(used.amountMinor + amountMinor, policy.currency)}`,
      };
    }
  }
  return { ok: true };
}

/**
 * Check and record as one step: concurrent payments of the same buyer, seller or phone queue on
 * advisory locks (taken in a fixed order so two payments never wait on each other) and each
 * sees the other's event. A refused payment is not recorded.
 */
export async function checkAndRecordLimitEvent(
  knex: Knex,
  event: LimitEvent,
  policy: LimitPolicy = DEFAULT_LIMIT_POLICY,
): Promise<LimitDecision> {
  return knex.transaction((trx) => reserveLimits(trx, event, policy));
}

/** checkAndRecordLimitEvent inside the caller's transaction (the reservation commits or rolls back with it). */
export async function reserveLimits(
  trx: Knex.Transaction,
  event: LimitEvent,
  policy: LimitPolicy = DEFAULT_LIMIT_POLICY,
): Promise<LimitDecision> {
  const lockNames = [`limits:buyer:${event.buyerId}`, `limits:seller:${event.sellerId}`];
  if (event.phoneHash) lockNames.push(`limits:phone:${event.phoneHash}`);
  for (const name of lockNames.sort()) await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
  const decision = await checkLimits(trx, event, policy);
  if (decision.ok) await recordLimitEvent(trx, event, policy);
  return decision;
}
