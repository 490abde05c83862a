import type { Knex } from 'knex';
import { appendAudit } from '../audit/append';
import type { WatchlistSource } from './keys';
import { parseCsv, parseJson, type ParsedFile } from './parse';
import { RowError, toWatchlistRow, type WatchlistRow } from './row';

export interface ImportOptions {
  source: WatchlistSource;
  format: 'csv' | 'json';
  content: string;
  hashSecret: string;
  /** Who imported, for the audit log. */
  actor?: string;
}

export interface ImportResult {
  imported: number;
  updated: number;
  unchanged: number;
  skipped: Array<{ line: number; reason: string }>;
}

/** Rows per upsert statement: one round trip each, well under PostgreSQL's parameter limits. */
const IMPORT_BATCH_ROWS = 500;

/**
 * Upserts by (source, source_ref): a re-import changes only rows whose content changed and
 * never revives an entry support removed. Bad rows are reported and skipped; the rest commit
 * together with one audit entry summarising the import.
 */
export async function importWatchlist(knex: Knex, options: ImportOptions): Promise<ImportResult> {
  const parsed: ParsedFile = options.format === 'csv' ? parseCsv(options.content) : parseJson(options.content);
  const skipped = [...parsed.broken];
  const rows: WatchlistRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const record of parsed.records) {
    try {
      const row = toWatchlistRow(record.fields, options.hashSecret);
      const earlier = firstLineOf.get(row.sourceRef);
      if (earlier !== undefined) throw new RowError(`source_ref "${row.sourceRef}" already appears at line ${earlier}`);
      firstLineOf.set(row.sourceRef, record.line);
      rows.push(row);
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      skipped.push({ line: record.line, reason: err.message });
    }
  }
  skipped.sort((a, b) => a.line - b.line);

  return knex.transaction(async (trx) => {
    let imported = 0;
    let updated = 0;
    for (let i = 0; i < rows.length; i += IMPORT_BATCH_ROWS) {
      const counts = await upsertBatch(trx, options.source, rows.slice(i, i + IMPORT_BATCH_ROWS));
      imported += counts.inserted;
      updated += counts.updated;
    }
    const result = { imported, updated, unchanged: rows.length - imported - updated, skipped };
    await appendAudit(trx, {
      actor: options.actor ?? 'system:watchlist-import',
      action: 'watchlist.imported',
      subject: `watchlist:${options.source}`,
      details: { format: options.format, imported, updated, unchanged: result.unchanged, skipped: skipped.length },
    });
    return result;
  });
}

async function upsertBatch(
  trx: Knex.Transaction,
  source: WatchlistSource,
  rows: WatchlistRow[],
): Promise<{ inserted: number; updated: number }> {
  const records = rows.map((row) => ({
    source,
    source_ref: row.sourceRef,
    key_type: row.keyType,
    key_hash: row.keyHash,
    key_masked: row.keyMasked,
    reason: row.reason,
    expires_at: row.expiresAt?.toISOString() ?? null,
  }));
  // The WHERE makes unchanged rows return nothing; xmax = 0 tells a fresh insert from an update.
  const result = await trx.raw<{ rows: Array<{ inserted: boolean }> }>(
    `insert into watchlist_entries (source, source_ref, key_type, key_hash, key_masked, reason, expires_at)
     select source, source_ref, key_type, key_hash, key_masked, reason, expires_at
       from jsonb_to_recordset(?::jsonb) as r(source text, source_ref text, key_type text, key_hash text,
                                               key_masked text, reason text, expires_at timestamptz)
     on conflict (source, source_ref) do update
       set key_type = excluded.key_type, key_hash = excluded.key_hash, key_masked = excluded.key_masked,
           reason = excluded.reason, expires_at = excluded.expires_at
       where (watchlist_entries.key_type, watchlist_entries.key_hash, watchlist_entries.key_masked,
              watchlist_entries.reason, watchlist_entries.expires_at)
             is distinct from
             (excluded.key_type, excluded.key_hash, excluded.key_masked, excluded.reason, excluded.expires_at)
     returning (xmax = 0) as inserted`,
    [JSON.stringify(records)],
  );
  const inserted = result.rows.filter((r) => r.inserted).length;
  return { inserted, updated: result.rows.length - inserted };
}
