import type { Knex } from 'knex';
import { storeEvents, type InboxInsert } from './inbox';

/**
 * Group commit for the webhook: deliveries that arrive while earlier INSERTs are still
 * committing wait and go together in the next one. Every commit is an fsync, so at 1,000
 * deliveries/s one INSERT each would spend the disk on flushes; batched, a burst costs a few.
 * A delivery is still acknowledged only after the commit that holds its events.
 */
export const MAX_CONCURRENT_FLUSHES = 3;
export const MAX_ROWS_PER_FLUSH = 500;

export interface InboxWriter {
  /** Resolves with the ids that were new once they are committed. */
  write(rows: InboxInsert[]): Promise<Set<string>>;
}

interface Waiting {
  rows: InboxInsert[];
  resolve(stored: Set<string>): void;
  reject(err: unknown): void;
}

export function createInboxWriter(knex: Knex): InboxWriter {
  const queue: Waiting[] = [];
  let flushing = 0;

  function flush(): void {
    while (flushing < MAX_CONCURRENT_FLUSHES && queue.length > 0) {
      const batch: Waiting[] = [];
      let size = 0;
      while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.rows.length <= MAX_ROWS_PER_FLUSH)) {
        const next = queue.shift()!;
        batch.push(next);
        size += next.rows.length;
      }
      flushing++;
      void insert(batch).finally(() => {
        flushing--;
        flush();
      });
    }
  }

  async function insert(batch: Waiting[]): Promise<void> {
    // One statement cannot name a key twice under ON CONFLICT: first copy wins, later ones are duplicates.
    const seen = new Set<string>();
    const rows = batch.flatMap((w) => w.rows).filter((r) => !seen.has(r.webhook_event_id) && (seen.add(r.webhook_event_id), true));
    try {
      const stored = await storeEvents(knex, rows);
      for (const w of batch) w.resolve(new Set(w.rows.map((r) => r.webhook_event_id).filter((id) => stored.has(id))));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  return {
    write(rows) {
      if (rows.length === 0) return Promise.resolve(new Set());
      return new Promise((resolve, reject) => {
        queue.push({ rows, resolve, reject });
        flush();
      });
    },
  };
}
