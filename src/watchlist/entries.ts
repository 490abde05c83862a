import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAudit } from '../audit/append';
import { watchlistKey, type WatchlistKeyType, type WatchlistSource } from './keys';

/** Support staff's edits. Each one commits with its audit entry, so "who listed this" has an answer. */
export interface AddEntryOptions {
  hashSecret: string;
  keyType: WatchlistKeyType;
  value: string;
  reason: string;
  expiresAt?: Date | null;
  actor: string;
  source?: WatchlistSource;
  /** Defaults to a fresh `support-<uuid>`: a manual entry has no row in an outside source. */
  sourceRef?: string;
}

export async function addEntry(knex: Knex, options: AddEntryOptions): Promise<{ id: number }> {
  const { hash, masked } = watchlistKey(options.hashSecret, options.keyType, options.value);
  const source = options.source ?? 'other';
  const sourceRef = options.sourceRef ?? `support-${randomUUID()}`;
  return knex.transaction(async (trx) => {
    const [row] = await trx('watchlist_entries')
      .insert({
        source,
        source_ref: sourceRef,
        key_type: options.keyType,
        key_hash: hash,
        key_masked: masked,
        reason: options.reason,
        expires_at: options.expiresAt ?? null,
      })
      .returning<Array<{ id: string }>>('id');
    const id = Number(row.id);
    await appendAudit(trx, {
      actor: options.actor,
      action: 'watchlist.entry_added',
      subject: `watchlist_entry:${id}`,
      details: { source, sourceRef, keyType: options.keyType, keyMasked: masked, reason: options.reason },
    });
    return { id };
  });
}

/** Soft removal (the row stays for the record). False when the entry was missing or already removed. */
export async function removeEntry(knex: Knex, options: { id: number; actor: string; reason: string }): Promise<boolean> {
  return knex.transaction(async (trx) => {
    const changed = await trx('watchlist_entries').where({ id: options.id }).whereNull('removed_at').update({ removed_at: trx.fn.now() });
    if (changed === 0) return false;
    await appendAudit(trx, {
      actor: options.actor,
      action: 'watchlist.entry_removed',
      subject: `watchlist_entry:${options.id}`,
      details: { reason: options.reason },
    });
    return true;
  });
}
