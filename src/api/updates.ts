import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';

/**
 * Sends an update, again with the same update id when the server says no worker processed it
 * (updates racing on one workflow can be handed back that way). The id makes a repeat harmless.
 */
const UNPROCESSED_ATTEMPTS_MAX = 5;
const UNPROCESSED_BACKOFF_MS = 50;

export async function sendUpdate<Ret, Args extends [any, ...any[]]>(
  handle: WorkflowHandle,
  def: UpdateDefinition<Ret, Args>,
  options: { args: Args; updateId?: string },
): Promise<Ret> {
  const updateId = options.updateId ?? crypto.randomUUID();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await handle.executeUpdate(def, { args: options.args, updateId });
    } catch (err) {
      const unprocessed = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'UnprocessedUpdate';
      if (!unprocessed || attempt >= UNPROCESSED_ATTEMPTS_MAX) throw err;
      await new Promise((r) => setTimeout(r, UNPROCESSED_BACKOFF_MS * attempt));
    }
  }
}
