import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { requiredString } from '../config/env';
import { loadSettings } from '../config/settings';
import { createKnex } from '../db/knex';
import { importWatchlist } from './import';
import { WATCHLIST_SOURCES, type WatchlistSource } from './keys';
import { cliLogger } from '../observability/logger';

const log = cliLogger('watchlist-import');

/**
 * `tsx src/watchlist/import-cli.ts --source fraud_reports --file reports.csv [--actor name]`
 * Format from the extension (.csv, .json, .jsonl). Uses DATABASE_URL and HASH_SECRET.
 * Exit 0 = imported (skipped rows are listed on stderr), 2 = nothing imported (bad usage or failure).
 */
const FORMATS: Record<string, 'csv' | 'json'> = { '.csv': 'csv', '.json': 'json', '.jsonl': 'json', '.ndjson': 'json' };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { source: { type: 'string' }, file: { type: 'string' }, actor: { type: 'string' } },
  });
  const source = values.source;
  if (!source || !(WATCHLIST_SOURCES as readonly string[]).includes(source)) {
    throw new Error(`--source must be one of ${WATCHLIST_SOURCES.join(', ')}`);
  }
  if (!values.file) throw new Error('--file is required');
  const format = FORMATS[path.extname(values.file).toLowerCase()];
  if (!format) throw new Error(`cannot tell the format of ${values.file}: use ${Object.keys(FORMATS).join(', ')}`);

  const hashSecret = loadSettings(process.env).secrets.hashSecret;
  const knex = createKnex(requiredString(process.env, 'DATABASE_URL'), 1);
  try {
    const result = await importWatchlist(knex, {
      source: source as WatchlistSource,
      format,
      content: fs.readFileSync(values.file, 'utf8'),
      hashSecret,
      actor: values.actor ?? `cli:${process.env.USER ?? 'unknown'}`,
    });
    log.info(
      { imported: result.imported, updated: result.updated, unchanged: result.unchanged, skipped: result.skipped.length },
      `imported ${result.imported}, updated ${result.updated}, unchanged ${result.unchanged}, skipped ${result.skipped.length}`,
    );
    for (const skip of result.skipped) console.error(`  line ${skip.line}: ${skip.reason}`); // the report of skipped lines, for the person who ran it
  } finally {
    await knex.destroy();
  }
}

main().catch((err) => {
  log.error(`watch-list import failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
