import { ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import type { TemporalConnectOptions } from '../temporal/connection-options';
import { searchAttributeFlags } from '../temporal/search-attributes';
import { freePort } from './ports';
import { stopChild } from './processes';

/**
 * `temporal server start-dev`, started and owned by us: our search attributes registered,
 * readiness awaited with our own budget (the SDK's built-in 5 s is too short on 2 cores).
 */
export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
  /** SIGKILL at once, no grace: what an outage test does to the server. */
  kill(): Promise<void>;
  /** The server's process id (benchmarks add up its CPU time). */
  pid?(): number | undefined;
}

export interface StartDevServerOptions {
  cli: string;
  /** SQLite file; without it the server keeps state in memory (tests). */
  dbFilename?: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  /** The Web UI's remote codec endpoint (`--ui-codec-endpoint`), e.g. our api's /codec. */
  uiCodecEndpoint?: string;
  readinessBudgetMs?: number;
  log?: (line: string) => void;
}

export const DEFAULT_READINESS_BUDGET_MS = 90_000;
const READINESS_POLL_MS = 250;

export async function startTemporalDevServer(options: StartDevServerOptions): Promise<TemporalServer> {
  const port = options.port ?? (await freePort());
  const uiPort = options.headless ? undefined : (options.uiPort ?? (await freePort()));
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
  ];
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', '127.0.0.1');
  if (uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);

  const log = options.log ?? (() => undefined);
  const child = spawn(options.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
    for (const line of d.toString().split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const address = `127.0.0.1:${port}`;
  try {
    await waitForFrontend(child, address, options.readinessBudgetMs ?? DEFAULT_READINESS_BUDGET_MS, () => output);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    address,
    namespace: 'default',
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 0),
    pid: () => child.pid,
  };
}

function waitForFrontend(child: ChildProcess, address: string, budgetMs: number, output: () => string): Promise<void> {
  return waitUntilTemporalAnswers({ child, address, budgetMs, output, what: 'Temporal dev server' }, async (connection) => {
    await connection.workflowService.getSystemInfo({});
    // The namespace is created asynchronously after the frontend answers.
    await connection.workflowService.describeNamespace({ namespace: 'default' });
  });
}

/**
 * Polls a starting Temporal server until `ready` succeeds on a fresh connection; fails at once
 * when the process exits, and after the budget with the last error and the server's output.
 */
export async function waitUntilTemporalAnswers(
  server: {
    child: ChildProcess;
    address: string;
    budgetMs: number;
    output: () => string;
    what: string;
    /** A server whose frontend wants TLS (or mTLS) is asked over it: temporalConnectOptions(settings). */
    connect?: Omit<TemporalConnectOptions, 'address'>;
  },
  ready: (connection: Connection) => Promise<void>,
): Promise<void> {
  const { child, address, budgetMs, output, what, connect } = server;
  const deadline = Date.now() + budgetMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the ${what} exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const connection = await Connection.connect({ ...connect, address, connectTimeout: 2_000 });
      try {
        await ready(connection);
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, READINESS_POLL_MS));
  }
  throw new Error(`${what} at ${address} not ready after ${budgetMs} ms: ${lastError}\n${output()}`);
}
