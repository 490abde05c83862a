import path from 'node:path';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkerPlugin, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type WorkerDeps } from './activities';
import { logger } from '../src/observability/logger';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

/** Bundling takes seconds; a process (or a test run) does it once and shares the result. */
export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

const bundlerLog = logger('workflow-bundler');
const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => bundlerLog.warn(m),
  error: (m: string) => bundlerLog.error(m),
};

export interface EscrowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: WorkerDeps;
  /** Code bundled in this process, or a file built ahead (`{ codePath }`, the container image's). */
  workflowBundle?: WorkflowBundleWithSourceMap | { codePath: string };
  dataConverter?: DataConverter;
  /** Worker plugins, e.g. OpenTelemetry tracing (its workflow interceptors join a bundle made at start). */
  plugins?: WorkerPlugin[];
}

/** One worker: every workflow and every activity on the escrow task queue. Several may run at once. */
export async function createEscrowWorker(options: EscrowWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    dataConverter: options.dataConverter,
    plugins: options.plugins,
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentLocalActivityExecutions: 200,
    maxCachedWorkflows: options.deps.settings.workerMaxCachedWorkflows,
    shutdownGraceTime: '10s',
  });
}
