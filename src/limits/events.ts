import type { Knex } from 'knex';
import { DEFAULT_LIMIT_POLICY, policyAmountMinor, type LimitPolicy } from './policy';

/** A payment as the limits see it. `at` is when it happened (windows are measured on it). */
export interface LimitEvent {
  eventId: string;
  buyerId: string;
  sellerId: string;
  phoneHash?: string | null;
  amountMinor: number;
  currency: string;
  at: Date;
}

/** Idempotent by eventId: a retried activity records once. `recorded` is false for a repeat. */
export async function recordLimitEvent(
  db: Knex | Knex.Transaction,
  event: LimitEvent,
  policy: LimitPolicy = DEFAULT_LIMIT_POLICY,
): Promise<{ recorded: boolean }> {
  const rows = await db('limit_events')
    .insert({
      event_id: event.eventId,
      buyer_id: event.buyerId,
      seller_id: event.sellerId,
      phone_hash: event.phoneHash ?? null,
      amount_minor: event.amountMinor,
      currency: event.currency,
      policy_amount_minor: policyAmountMinor(policy, event.amountMinor, event.currency),
      at: event.at,
    })
    .onConflict('event_id')
    .ignore()
    .returning('event_id');
  return { recorded: rows.length === 1 };
}

/** A reservation given back: the order it held limits for expired or was cancelled before payment. */
export async function releaseLimitEvent(db: Knex | Knex.Transaction, eventId: string): Promise<{ released: boolean }> {
  const deleted = await db('limit_events').where({ event_id: eventId }).delete();
  return { released: deleted > 0 };
}
