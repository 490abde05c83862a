import { createKnex } from './knex';
import { migrateLatest } from './migrate';
import { resolveDatabase } from '../runtime/postgres';

/** `npm run migrate`: apply pending migrations to DATABASE_URL, or to the embedded server. */
async function main(): Promise<void> {
  const database = await resolveDatabase(process.env);
  const knex = createKnex(database.url);
  try {
    const applied = await migrateLatest(knex);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await knex.destroy();
    await database.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
