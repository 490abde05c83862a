import { migrateDatabase } from './migrate';
import { resolveDatabase } from '../runtime/postgres';
import { cliLogger } from '../observability/logger';

const log = cliLogger('migrate');

/**
 * `npm run migrate`: apply pending migrations as MIGRATION_DATABASE_URL's role (the owner), then
 * grant DATABASE_URL's role what the app may do. Neither set: the embedded server.
 */
async function main(): Promise<void> {
  const database = await resolveDatabase(process.env);
  try {
    const applied = await migrateDatabase(database);
    log.info({ applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await database.stop();
  }
}

main().catch((err) => {
  log.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
