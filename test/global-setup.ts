import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '../worker/create-worker';
import { migrateDatabase } from '../src/db/migrate';
import { resolveDatabase } from '../src/runtime/postgres';
import { findTemporalCli } from '../src/runtime/temporal-cli';
import { startTemporalDevServer } from '../src/runtime/temporal-server';

/**
 * One real PostgreSQL (a throw-away embedded cluster, or TEST_DATABASE_URL for the app's role
 * with TEST_MIGRATION_DATABASE_URL for the owner's) and one real
 * Temporal dev server (or TEST_TEMPORAL_ADDRESS) for the whole run. Test files share them and
 * keep apart by unique ids and task queues.
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[setup] ${line}\n`);
  const database = await resolveDatabase(process.env, {
    ephemeral: true,
    urlVariable: 'TEST_DATABASE_URL',
    migrationUrlVariable: 'TEST_MIGRATION_DATABASE_URL',
  });
  await migrateDatabase(database);
  // The system under test runs as the app's restricted role; fixtures that must write what it
  // may not (e.g. tampering with the audit log) take the owner's URL.
  process.env.DATABASE_URL = database.url;
  process.env.TEST_MIGRATION_DATABASE_URL = database.migrationUrl;
  if (database.adminUrl) process.env.TEST_ADMIN_DATABASE_URL = database.adminUrl;

  let stopTemporal: () => Promise<void> = async () => undefined;
  if (process.env.TEST_TEMPORAL_ADDRESS) {
    process.env.TEMPORAL_ADDRESS = process.env.TEST_TEMPORAL_ADDRESS;
  } else {
    const cli = await findTemporalCli(process.env, log);
    const server = await startTemporalDevServer({ cli, headless: true, log: () => undefined });
    process.env.TEMPORAL_ADDRESS = server.address;
    stopTemporal = server.stop;
  }
  const bundle = await bundleWorkflows();
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'escrow-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.WORKFLOW_BUNDLE_PATH = bundlePath;

  (globalThis as Record<string, unknown>).__escrowServices = {
    stop: async () => {
      await stopTemporal();
      await database.stop();
    },
  };
}
