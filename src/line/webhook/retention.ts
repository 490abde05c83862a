import type { Knex } from 'knex';

/**
 * Processed inbox rows are kept for the retention period (LINE_INBOX_RETENTION_MS) — long enough
 * to recognise LINE redelivering an event and to explain what the bot did — then deleted. Rows
 * still pending are never touched, however old. Deleted in batches so a large backlog does not
 * hold locks on the table for long; several api processes may sweep at once without harm.
 */
export const PRUNE_BATCH_ROWS = 1000;

export async function pruneProcessed(knex: Knex, retentionMs: number, batchRows = PRUNE_BATCH_ROWS): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await knex.raw(
      `delete from line_inbox where webhook_event_id in (
         select webhook_event_id from line_inbox
          where processed_at is not null and processed_at < now() - (? * interval '1 millisecond')
          limit ? for update skip locked)`,
      [retentionMs, batchRows],
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batchRows) return total;
  }
}
