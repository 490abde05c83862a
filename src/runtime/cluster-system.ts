import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { clusterSettings } from '../config/settings';
import { migrateDatabase } from '../db/migrate';
import { PROJECT_ROOT } from './data-dir';
import { spawnChild, startEmulatorsWhereNeeded, waitForHealth, type StartedEmulators, type Stopper } from './launch';
import { freePort } from './ports';
import { resolveDatabase, type Database } from './postgres';
import { stopChild } from './processes';
import {
  findTemporalServer,
  setupTemporalSchema,
  startTemporalClusterServer,
  type TemporalClusterServer,
  type TemporalDatabase,
} from './temporal-cluster';
import { findTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';
import { startTemporalUi } from './temporal-ui';
import { PLAINTEXT_LOCAL_TEMPORAL_ENV } from '../temporal/connection-options';

/**
 * `npm run cluster` as a library (the fault tests and the benchmarks start the same thing):
 * PostgreSQL, the Temporal server on it, the emulators, N worker processes and N api processes
 * sharing one port through node's cluster module (the primary accepts and hands connections
 * round-robin). A worker or api process that dies is started again, as a process manager would.
 */
export interface ClusterSystemOptions {
  env: Record<string, string | undefined>;
  /** A throw-away PostgreSQL (tests, benchmarks) instead of DATA_DIR/postgres. */
  ephemeral?: boolean;
  workers?: number;
  apis?: number;
  historyShards?: number;
  /** The one port the api processes share (free when unset). */
  apiPort?: number;
  /** The Temporal CLI's dev server (one shard, SQLite) instead of the real server: benchmarks compare the two. */
  devServer?: boolean;
  /** Start the Temporal Web UI (`npm run cluster` does; tests do not). */
  ui?: boolean;
  /** Settings for the worker and api processes beyond what the launcher sets (tests: short durations). */
  childEnv?: Record<string, string>;
  paymentOutcomeDelayMs?: number;
  /** Child output: printed with a prefix, or dropped. */
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface SupervisedProcess {
  name: string;
  pid(): number | undefined;
  /** SIGKILL, no grace; the supervisor starts it again. */
  kill9(): void;
  /** How many times it was started again after dying. */
  restarts(): number;
  /** Resolves once the process started after the last death is up (its pid differs from `previousPid`). */
  replaced(previousPid: number | undefined): Promise<void>;
}

export interface ClusterSystem {
  database: Database;
  temporal: TemporalClusterServer;
  /** Where the real server keeps its state (undefined with the dev server). */
  temporalDatabase?: TemporalDatabase;
  apiUrl: string;
  uiUrl?: string;
  workers: SupervisedProcess[];
  apis: SupervisedProcess[];
  emulators: StartedEmulators;
  /** The settings every worker and api process runs with. */
  childEnv: Record<string, string | undefined>;
  restartDatabase(): Promise<void>;
  stop(): Promise<void>;
}

const RESTART_DELAY_MS = 500;
/** A process that dies this soon after starting, this many times running, is not started again (a configuration error). */
const QUICK_DEATH_MS = 10_000;
const QUICK_DEATHS_TO_GIVE_UP = 5;

/** Whether to start a dead process again: not while stopping, and not when it keeps dying at once. */
function restartPolicy(name: string, log: (line: string) => void) {
  let quickDeaths = 0;
  let startedAt = 0;
  return {
    started: () => (startedAt = Date.now()),
    shouldRestart: () => {
      quickDeaths = Date.now() - startedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
      if (quickDeaths >= QUICK_DEATHS_TO_GIVE_UP) {
        log(`${name} died ${quickDeaths} times within ${QUICK_DEATH_MS} ms of starting; not starting it again`);
        return false;
      }
      return true;
    },
  };
}
const TEMPORAL_ROLE = { name: 'temporal', password: 'temporal-local' };

export async function startClusterSystem(options: ClusterSystemOptions): Promise<ClusterSystem> {
  const log = options.log ?? (() => undefined);
  const settings = clusterSettings(options.env);
  const stoppers: Stopper[] = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const s of stoppers.reverse()) {
      log(`stopping ${s.name}`);
      await s.stop().catch((err) => log(`${s.name}: ${(err as Error).message}`));
    }
    stoppers.length = 0;
  };
  try {
    const database = await resolveDatabase(options.env, { ephemeral: options.ephemeral, log: () => undefined });
    stoppers.push({ name: 'postgres', stop: database.stop });
    const applied = await migrateDatabase(database);
    log(`PostgreSQL ready${database.embedded ? ' (embedded)' : ''}; migrations applied: ${applied.length}`);

    let temporal: TemporalClusterServer;
    let temporalDatabase: TemporalDatabase | undefined;
    if (options.devServer) {
      const dev = await startTemporalDevServer({ cli: await findTemporalCli(options.env, log), headless: true });
      temporal = { ...dev, restart: () => Promise.reject(new Error('the dev server is not restarted here')), pid: () => dev.pid?.() };
      stoppers.push({ name: 'temporal dev server', stop: temporal.stop });
      log(`Temporal CLI dev server ${temporal.address} (1 shard, SQLite in memory)`);
    } else {
      const binaries = await findTemporalServer(options.env, log);
      temporalDatabase = temporalDatabaseFor(database, settings.temporalPostgresUrl);
      await setupTemporalSchema(binaries, temporalDatabase, { adminUrl: database.adminUrl ?? settings.temporalPostgresUrl, log });
      const historyShards = options.historyShards ?? settings.historyShards;
      // The server's own lines while it serves; its shutdown noise (errors about peers already gone) is not shown.
      const serverLog = (line: string) => stopping || log(`[temporal] ${line}`);
      temporal = await startTemporalClusterServer({ server: binaries.server, db: temporalDatabase, historyShards, log: serverLog });
      stoppers.push({ name: 'temporal server', stop: temporal.stop });
      log(`Temporal server ${temporal.address} (${historyShards} history shards, PostgreSQL persistence and visibility)`);
    }

    const apiPort = options.apiPort ?? (await freePort());
    const publicBaseUrl = options.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${apiPort}`;
    const childEnv: Record<string, string | undefined> = {
      ...options.env,
      DATABASE_URL: database.url,
      MIGRATION_DATABASE_URL: undefined,
      TEMPORAL_ADDRESS: temporal.address,
      ...PLAINTEXT_LOCAL_TEMPORAL_ENV,
      API_PORT: String(apiPort),
      PUBLIC_BASE_URL: publicBaseUrl,
      ...options.childEnv,
    };
    const emulators = await startEmulatorsWhereNeeded(options.env, childEnv, publicBaseUrl, stoppers, log, {
      paymentOutcomeDelayMs: options.paymentOutcomeDelayMs,
    });

    let uiUrl: string | undefined;
    if (options.ui) {
      const ui = await startTemporalUi({
        env: options.env,
        temporalAddress: temporal.address,
        port: settings.uiPort,
        codecEndpoint: `${publicBaseUrl}/codec`,
        log,
      });
      stoppers.push({ name: 'temporal ui', stop: ui.stop });
      uiUrl = ui.url;
      childEnv.TEMPORAL_UI_URL = ui.url;
      if (!options.env.TEMPORAL_UI_ORIGINS) childEnv.TEMPORAL_UI_ORIGINS = new URL(ui.url).origin;
    }

    const isStopping = () => stopping;
    // Each worker process has its own probe/metrics port and SDK exporter port (one machine, several workers).
    const workerCount = options.workers ?? settings.workers;
    const workerEnvs: Array<Record<string, string | undefined>> = [];
    for (let i = 0; i < workerCount; i += 1) {
      workerEnvs.push({
        ...childEnv,
        WORKER_HTTP_PORT: String(await freePort()),
        TEMPORAL_METRICS_BIND_ADDRESS: `127.0.0.1:${await freePort()}`,
      });
    }
    const workers = workerEnvs.map((env, i) =>
      superviseChild(`worker-${i + 1}`, path.join(PROJECT_ROOT, 'worker', 'main.ts'), env, options.quiet ?? false, isStopping, log),
    );
    for (const w of workers) stoppers.push({ name: w.name, stop: w.stop });
    const apis = await startApiProcesses(options.apis ?? settings.apis, childEnv, options.quiet ?? false, isStopping, log);
    stoppers.push({ name: 'api processes', stop: apis.stop });
    await waitForHealth(`http://127.0.0.1:${apiPort}/healthz`);

    return {
      database,
      temporal,
      temporalDatabase,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      uiUrl,
      workers,
      apis: apis.processes,
      emulators,
      childEnv,
      restartDatabase: async () => {
        if (!database.restart) throw new Error('only the embedded PostgreSQL can be restarted from here');
        await database.restart();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Temporal's databases: on the embedded server a role and two databases of its own; else TEMPORAL_POSTGRES_URL. */
function temporalDatabaseFor(database: Database, temporalPostgresUrl: string | undefined): TemporalDatabase {
  const source = temporalPostgresUrl ?? database.adminUrl;
  if (source === undefined) {
    throw new Error('TEMPORAL_POSTGRES_URL is required with DATABASE_URL: a role owning (or allowed to create) Temporal’s two databases');
  }
  const url = new URL(source);
  const name = temporalPostgresUrl ? decodeURIComponent(url.pathname.slice(1)) || 'temporal' : 'temporal';
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: temporalPostgresUrl ? decodeURIComponent(url.username) : TEMPORAL_ROLE.name,
    password: temporalPostgresUrl ? decodeURIComponent(url.password) : TEMPORAL_ROLE.password,
    database: name,
    visibilityDatabase: `${name}_visibility`,
  };
}

type Supervised = SupervisedProcess & { stop(): Promise<void> };

/** One worker process, started again after RESTART_DELAY_MS whenever it dies unasked. */
function superviseChild(
  name: string,
  script: string,
  env: Record<string, string | undefined>,
  quiet: boolean,
  isStopping: () => boolean,
  log: (line: string) => void,
): Supervised {
  let child: ChildProcess;
  let restarts = 0;
  let stopped = false;
  const policy = restartPolicy(name, log);
  const launch = () => {
    policy.started();
    // Node with tsx as a loader, not the tsx wrapper (which SIGKILLs a child slow to acknowledge a signal).
    child = spawnChild(name, process.execPath, ['--import', 'tsx', script], env, quiet);
    child.once('exit', (code, signal) => {
      if (stopped || isStopping() || !policy.shouldRestart()) return;
      restarts += 1;
      log(`${name} exited (${signal ?? code}); starting it again`);
      setTimeout(() => {
        if (!stopped && !isStopping()) launch();
      }, RESTART_DELAY_MS);
    });
  };
  launch();
  return {
    name,
    pid: () => child.pid,
    kill9: () => void child.kill('SIGKILL'),
    restarts: () => restarts,
    replaced: (previousPid) => waitUntil(() => child.pid !== previousPid && child.exitCode === null),
    stop: async () => {
      stopped = true;
      await stopChild(child);
    },
  };
}

/** N api processes on one port: node's cluster module, the primary being this process. */
async function startApiProcesses(
  count: number,
  env: Record<string, string | undefined>,
  quiet: boolean,
  isStopping: () => boolean,
  log: (line: string) => void,
): Promise<{ processes: Supervised[]; stop(): Promise<void> }> {
  cluster.setupPrimary({
    exec: path.join(PROJECT_ROOT, 'src', 'api', 'main.ts'),
    execArgv: ['--import', 'tsx'],
    args: [],
    silent: true,
  });
  let stopped = false;
  const processes = Array.from({ length: count }, (_, i): Supervised => {
    const name = `api-${i + 1}`;
    let current: ClusterWorker;
    let restarts = 0;
    const policy = restartPolicy(name, log);
    const fork = () => {
      policy.started();
      current = cluster.fork(env);
      const prefix = (chunk: Buffer) => {
        if (quiet) return;
        for (const line of chunk.toString().split('\n')) if (line) process.stdout.write(`[${name}] ${line}\n`);
      };
      current.process.stdout?.on('data', prefix);
      current.process.stderr?.on('data', prefix);
      current.once('exit', (code, signal) => {
        if (stopped || isStopping() || !policy.shouldRestart()) return;
        restarts += 1;
        log(`${name} exited (${signal ?? code}); starting it again`);
        setTimeout(() => {
          if (!stopped && !isStopping()) fork();
        }, RESTART_DELAY_MS);
      });
    };
    fork();
    return {
      name,
      pid: () => current.process.pid,
      kill9: () => void current.process.kill('SIGKILL'),
      restarts: () => restarts,
      replaced: (previousPid) => waitUntil(() => current.process.pid !== previousPid && current.isConnected()),
      stop: async () => {
        if (current.isDead()) return;
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        current.process.kill('SIGTERM');
        const timer = setTimeout(() => current.process.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
  });
  return {
    processes,
    stop: async () => {
      stopped = true;
      await Promise.all(processes.map((p) => p.stop()));
    },
  };
}

async function waitUntil(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('process not replaced in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
