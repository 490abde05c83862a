import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from './knex';
import { grantAppPrivileges } from './privileges';

/**
 * Migrations are TypeScript modules in src/db/migrations named NNNN_subject.ts, applied in name
 * order. They are discovered from the folder (not a hand-kept index) so subsystems add their own
 * without touching a shared list.
 */
const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

class FolderMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.(ts|js)$/.test(f))
      .map((f) => f.replace(/\.(ts|js)$/, ''))
      .sort();
  }
  getMigrationName(name: string): string {
    return name;
  }
  async getMigration(name: string): Promise<MigrationModule> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(MIGRATIONS_DIR, name)) as MigrationModule;
  }
}

export interface MigrateOptions {
  /** The role the worker and the api connect as; it gets its grants after every run. */
  appRole: string;
}

/**
 * Applies pending migrations as the connected (owner) role, then the app role's grants — also
 * when nothing was pending, so grants follow the code even on a database that is up to date.
 */
export async function migrateLatest(knex: Knex, options: MigrateOptions): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: Array<{ role: string }> }>('select current_user as role');
  if (rows[0].role === options.appRole) {
    throw new Error(`migrations must not run as the app role "${options.appRole}": the app would own the tables it must not change`);
  }
  const [, applied] = (await knex.migrate.latest({ migrationSource: new FolderMigrationSource() })) as [number, string[]];
  await grantAppPrivileges(knex, options.appRole);
  return applied;
}

/** The role a postgres:// URL logs in as (resolveDatabase checks that there is one). */
export function roleOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).username);
}

/** Migrates through the owner's URL and grants to the role of the app's URL. */
export async function migrateDatabase(database: { url: string; migrationUrl: string }): Promise<string[]> {
  const knex = createKnex(database.migrationUrl, 2);
  try {
    return await migrateLatest(knex, { appRole: roleOf(database.url) });
  } finally {
    await knex.destroy();
  }
}
