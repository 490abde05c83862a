import { migrateDatabase } from './migrate';
import { resolveDatabase } from '../runtime/postgres';

/**
 * `npm run migrate`: apply pending migrations as MIGRATION_DATABASE_URL's role (the owner), then
 * grant DATABASE_URL's role what the app may do. Neither set: the embedded server.
 */
async function main(): Promise<void> {
  const database = await resolveDatabase(process.env);
  try {
    const applied = await migrateDatabase(database);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await database.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
