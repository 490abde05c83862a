import { ServiceError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { Semaphore, withTimeout, E_TIMEOUT } from 'async-mutex';
import { HttpProblem } from './problem';

/**
 * Sends an update, again with the same update id when it was not taken yet: the server handed it
 * back unprocessed (updates racing on one workflow), the workflow had as many updates in flight
 * as Temporal allows (history.maxInFlightUpdates, RESOURCE_EXHAUSTED: hundreds of buyers racing
 * for one code), or the server aborted it before the workflow took it (UNAVAILABLE, e.g. its
 * workflow task was superseded). The id makes a repeat harmless. Past the budget the caller is
 * asked to come back (429).
 */
const UNPROCESSED_ATTEMPTS_MAX = 5;
const UNPROCESSED_BACKOFF_MS = 50;
const BUSY_BUDGET_MS = 25_000; // under a load balancer's usual 30 s idle timeout
const BUSY_BACKOFF_MAX_MS = 1_000;
const BUSY_RETRY_AFTER_SECONDS = 2;
/** google.rpc.Code values of an update the server did not take: try again with the same id. */
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

/**
 * Updates this process has in flight per workflow, below Temporal's default limit of 10: a crowd
 * acting on one order queues here, in order, instead of hammering the server with updates it must
 * refuse. Several api processes can still collide; the retries below cover that.
 */
const IN_FLIGHT_PER_WORKFLOW_MAX = 8;
const inFlight = new Map<string, { semaphore: Semaphore; users: number }>();

export async function sendUpdate<Ret, Args extends [any, ...any[]]>(
  handle: WorkflowHandle,
  def: UpdateDefinition<Ret, Args>,
  options: { args: Args; updateId?: string },
): Promise<Ret> {
  const entry = inFlight.get(handle.workflowId) ?? { semaphore: new Semaphore(IN_FLIGHT_PER_WORKFLOW_MAX), users: 0 };
  entry.users += 1;
  inFlight.set(handle.workflowId, entry);
  const busyUntilMs = Date.now() + BUSY_BUDGET_MS;
  try {
    const [, release] = await withTimeout(entry.semaphore, BUSY_BUDGET_MS)
      .acquire()
      .catch((err) => {
        if (err === E_TIMEOUT) throw busy();
        throw err;
      });
    try {
      return await sendUntilTaken(handle, def, options, busyUntilMs);
    } finally {
      release();
    }
  } finally {
    entry.users -= 1;
    if (entry.users === 0) inFlight.delete(handle.workflowId);
  }
}

async function sendUntilTaken<Ret, Args extends [any, ...any[]]>(
  handle: WorkflowHandle,
  def: UpdateDefinition<Ret, Args>,
  options: { args: Args; updateId?: string },
  busyUntilMs: number,
): Promise<Ret> {
  const updateId = options.updateId ?? crypto.randomUUID();
  for (let attempt = 1, unprocessed = 0; ; attempt += 1) {
    try {
      return await handle.executeUpdate(def, { args: options.args, updateId });
    } catch (err) {
      if (isUnprocessed(err) && ++unprocessed < UNPROCESSED_ATTEMPTS_MAX) {
        await sleep(UNPROCESSED_BACKOFF_MS * unprocessed);
        continue;
      }
      if (!isNotTaken(err)) throw err;
      if (Date.now() >= busyUntilMs) throw busy();
      // Full jitter, so a crowd that collided does not collide again in step.
      await sleep(Math.random() * Math.min(BUSY_BACKOFF_MAX_MS, 25 * 2 ** Math.min(attempt, 10)));
    }
  }
}

function busy(): HttpProblem {
  return new HttpProblem(
    429,
    'busy',
    'many people are acting on this order right now; try again in a moment',
    {},
    { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) },
  );
}

function isUnprocessed(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'UnprocessedUpdate';
}

function isNotTaken(err: unknown): boolean {
  const cause = err instanceof ServiceError ? (err.cause as { code?: number } | undefined) : undefined;
  return cause?.code === GRPC_RESOURCE_EXHAUSTED || cause?.code === GRPC_UNAVAILABLE;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
