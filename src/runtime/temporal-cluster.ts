import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import { ALL_SEARCH_ATTRIBUTES, OrderStateAttribute } from '../temporal/search-attributes';
import { PROJECT_ROOT } from './data-dir';
import { findGo, goInstall, isExecutable } from './go-install';
import { freeLowPort } from './ports';
import { stopChild } from './processes';
import { waitUntilTemporalAnswers, type TemporalServer } from './temporal-server';

/**
 * The real Temporal server on PostgreSQL, built from the Go module registry as the CLI is
 * (`go install go.temporal.io/server/cmd/server@v1.29.1` and its SQL tool), with the schema
 * from the module's own `schema/postgresql/v12/`, run with our config file
 * (`config/temporal/cluster.yaml`): persistence and visibility in their own databases,
 * frontend, history, matching and worker services in one process.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal-server', TEMPORAL_SERVER_VERSION);
const CONFIG_DIR = path.join(PROJECT_ROOT, 'config', 'temporal');
export const DEFAULT_HISTORY_SHARDS = 16;

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** The module's `schema/postgresql/v12` folder in the Go module cache. */
  schemaDir: string;
}

/** The server and SQL tool from our cache, built once when missing. */
export async function findTemporalServer(
  env: Record<string, string | undefined>,
  log: (line: string) => void = (l) => console.log(l),
): Promise<TemporalServerBinaries> {
  const server = path.join(TEMPORAL_SERVER_CACHE_DIR, 'server');
  const sqlTool = path.join(TEMPORAL_SERVER_CACHE_DIR, 'sql');
  if (!isExecutable(server) || !isExecutable(sqlTool)) {
    await goInstall({
      what: 'the Temporal server and its SQL tool',
      packages: [`${TEMPORAL_SERVER_MODULE}/cmd/server`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`],
      version: TEMPORAL_SERVER_VERSION,
      gobin: TEMPORAL_SERVER_CACHE_DIR,
      env,
      log,
    });
    if (!isExecutable(server) || !isExecutable(sqlTool)) throw new Error(`go install finished but ${server} or ${sqlTool} is missing`);
  }
  return { server, sqlTool, schemaDir: moduleSchemaDir(env) };
}

function moduleSchemaDir(env: Record<string, string | undefined>): string {
  const go = findGo(env);
  if (go === undefined) throw new Error('Go is needed to find the Temporal server module (its schema files)');
  const goEnv = { ...process.env, ...env } as NodeJS.ProcessEnv;
  const modCache = spawnSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8', env: goEnv }).stdout.trim();
  const dir = path.join(modCache, `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!fs.existsSync(dir)) {
    // A binary cache without the module's source (another GOMODCACHE): fetch the source only.
    spawnSync(go, ['mod', 'download', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`], { env: goEnv, stdio: 'ignore' });
  }
  if (!fs.existsSync(dir)) throw new Error(`the Temporal server's schema files are not in ${dir}`);
  return dir;
}

/** Where Temporal keeps its state: one PostgreSQL server, two databases, one role that owns both. */
export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

/**
 * Creates both databases when missing (as `adminUrl`, a role that may create databases and roles;
 * the Temporal role is created or its password set), then brings each schema to the module's
 * newest version with the SQL tool: `setup-schema -v 0.0` once, then `update-schema` (idempotent).
 */
export async function setupTemporalSchema(
  binaries: TemporalServerBinaries,
  db: TemporalDatabase,
  options: { adminUrl?: string; log?: (line: string) => void } = {},
): Promise<void> {
  const log = options.log ?? (() => undefined);
  if (options.adminUrl) await createDatabases(options.adminUrl, db);
  for (const [database, folder] of [
    [db.database, 'temporal'],
    [db.visibilityDatabase, 'visibility'],
  ] as const) {
    const base = ['--plugin', 'postgres12', '--ep', db.host, '-p', String(db.port), '-u', db.user, '--pw', db.password, '--db', database];
    if (!(await hasSchemaVersionTable(db, database))) runSqlTool(binaries.sqlTool, [...base, 'setup-schema', '-v', '0.0']);
    runSqlTool(binaries.sqlTool, [...base, 'update-schema', '-d', path.join(binaries.schemaDir, folder, 'versioned')]);
    log(`Temporal schema ready in database ${database}`);
  }
}

function runSqlTool(sqlTool: string, args: string[]): void {
  const result = spawnSync(sqlTool, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    const shown = args.map((a, i) => (args[i - 1] === '--pw' ? '***' : a)).join(' ');
    throw new Error(`temporal sql tool failed: sql ${shown}\n${result.stdout}${result.stderr}`);
  }
}

async function hasSchemaVersionTable(db: TemporalDatabase, database: string): Promise<boolean> {
  const client = new PgClient({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await client.connect();
  try {
    return (await client.query("select 1 from information_schema.tables where table_name = 'schema_version'")).rowCount! > 0;
  } finally {
    await client.end();
  }
}

async function createDatabases(adminUrl: string, db: TemporalDatabase): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    const role = admin.escapeIdentifier(db.user);
    const exists = (await admin.query('select 1 from pg_roles where rolname = $1', [db.user])).rowCount! > 0;
    await admin.query(`${exists ? 'alter' : 'create'} role ${role} login password ${admin.escapeLiteral(db.password)}`);
    for (const name of [db.database, db.visibilityDatabase]) {
      const found = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount! > 0;
      if (!found) await admin.query(`create database ${admin.escapeIdentifier(name)} owner ${role}`);
    }
  } finally {
    await admin.end();
  }
}

export interface ClusterServerOptions {
  server: string;
  db: TemporalDatabase;
  historyShards?: number;
  namespace?: string;
  /** Namespace retention for closed workflows. */
  retentionDays?: number;
  readinessBudgetMs?: number;
  log?: (line: string) => void;
}

export interface TemporalClusterServer extends TemporalServer {
  /** Stop (SIGTERM, or SIGKILL with `kill: true`) and start again on the same ports and databases. */
  restart(options?: { kill?: boolean }): Promise<void>;
  pid(): number | undefined;
}

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/** Starts the server with our config on free ports; resolves when a workflow with our search attributes can start. */
export async function startTemporalClusterServer(options: ClusterServerOptions): Promise<TemporalClusterServer> {
  const namespace = options.namespace ?? 'default';
  const ports = {
    TEMPORAL_FRONTEND_PORT: await freeLowPort(),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: await freeLowPort(),
    TEMPORAL_FRONTEND_HTTP_PORT: await freeLowPort(),
    TEMPORAL_HISTORY_PORT: await freeLowPort(),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: await freeLowPort(),
    TEMPORAL_MATCHING_PORT: await freeLowPort(),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: await freeLowPort(),
    TEMPORAL_WORKER_PORT: await freeLowPort(),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: await freeLowPort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    TEMPORAL_HISTORY_SHARDS: String(options.historyShards ?? DEFAULT_HISTORY_SHARDS),
    TEMPORAL_DB_ADDRESS: `${options.db.host}:${options.db.port}`,
    TEMPORAL_DB_USER: options.db.user,
    TEMPORAL_DB_PASSWORD: options.db.password,
    TEMPORAL_DB_NAME: options.db.database,
    TEMPORAL_VISIBILITY_DB_NAME: options.db.visibilityDatabase,
    TEMPORAL_DYNAMIC_CONFIG: path.join(CONFIG_DIR, 'dynamicconfig.yaml'),
  };
  const address = `127.0.0.1:${ports.TEMPORAL_FRONTEND_PORT}`;
  const log = options.log ?? (() => undefined);
  let output = '';
  let child: ChildProcess;
  const launch = async () => {
    output = '';
    child = spawn(options.server, ['--root', PROJECT_ROOT, '--config', 'config/temporal', '--env', 'cluster', '--allow-no-auth', 'start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => {
      output = (output + d.toString()).slice(-8000);
      for (const line of d.toString().split('\n')) if (line.trim()) log(line);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    try {
      await waitForCluster(child, address, namespace, options, () => output);
    } catch (err) {
      await stopChild(child);
      throw err;
    }
  };
  await launch();
  return {
    address,
    namespace,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 0),
    pid: () => child.pid,
    async restart(restartOptions = {}) {
      await stopChild(child, restartOptions.kill ? 0 : undefined);
      await launch();
    },
  };
}

async function waitForCluster(
  child: ChildProcess,
  address: string,
  namespace: string,
  options: ClusterServerOptions,
  output: () => string,
): Promise<void> {
  const budgetMs = options.readinessBudgetMs ?? 120_000;
  await waitUntilTemporalAnswers({ child, address, budgetMs, output, what: 'Temporal server' }, async (connection) => {
    await ensureNamespace(connection, namespace, options.retentionDays ?? 3);
    await probeWorkflowStart(connection, namespace);
  });
}

/** A fresh server knows only `temporal-system`: our namespace and its search attributes are registered here (what start-dev's flags do). */
export async function ensureNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch {
    await connection.workflowService
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msNumberToTs(retentionDays * 86_400_000) })
      .catch((err: Error & { code?: number }) => {
        if (err.code !== 6 /* ALREADY_EXISTS */) throw err;
      });
  }
  const listed = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (listed.customAttributes ?? {})));
  if (missing.length > 0) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE_KEYWORD])),
    });
  }
}

/** The frontend answering is not enough: a workflow must start (history shards owned, our attributes known). */
async function probeWorkflowStart(connection: Connection, namespace: string): Promise<void> {
  const client = new Client({ connection, namespace });
  const handle = await client.workflow.start('readinessProbe', {
    taskQueue: 'cluster-readiness',
    workflowId: `cluster-readiness-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    typedSearchAttributes: new TypedSearchAttributes([{ key: OrderStateAttribute, value: 'probe' }]),
  });
  await handle.terminate('readiness probe');
}
