import type { Knex } from 'knex';

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
export async function recordLimitEvent(db: Knex | Knex.Transaction, event: LimitEvent): Promise<{ recorded: boolean }> {
  const rows = await db('limit_events')
    .insert({
      event_id: event.eventId,
      buyer_id: event.buyerId,
      seller_id: event.sellerId,
      phone_hash: event.phoneHash ?? null,
      amount_minor: event.amountMinor,
      currency: event.currency,
      at: event.at,
    })
    .onConflict('event_id')
    .ignore()
    .returning('event_id');
  return { recorded: rows.length === 1 };
}
