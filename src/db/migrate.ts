import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

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

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new FolderMigrationSource() })) as [number, string[]];
  return applied;
}
