import type { Response } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { InvalidWebhook } from '../payment';
import { sendProblem } from './problem';

/**
 * The one way a signed provider callback (payments, payouts, bank verification) reaches a
 * workflow, with one answer per situation for all three providers:
 * - not signed by the provider → 401, nothing done;
 * - signed, about something that is not ours (a reference we never issued) → 200, ignored: the
 *   provider must stop, and nothing can ever apply it;
 * - the workflow finished (or was never started for that reference) → 200, ignored;
 * - the workflow refused it for now (not the step it waits for yet) → 409: the provider redelivers;
 * - relayed → 200 with the event id. Only our own outage answers 5xx, which providers retry.
 */
export function parseSignedOr401<T>(res: Response, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidWebhook) {
      sendProblem(res, 401, 'invalid-signature', `webhook refused: ${err.reason}`);
      return undefined;
    }
    throw err;
  }
}

export function ignoreUnknownReference(res: Response, eventId: string): void {
  res.status(200).json({ received: eventId, ignored: 'unknown reference' });
}

export async function relayToWorkflow(res: Response, eventId: string, update: () => Promise<unknown>): Promise<void> {
  try {
    await update();
    res.status(200).json({ received: eventId });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return sendProblem(res, 409, 'not-applicable-yet', err.cause?.message ?? 'refused by the workflow for now');
    if (isFinishedOrUnknownRun(err)) return void res.status(200).json({ received: eventId, ignored: 'the workflow has finished' });
    throw err;
  }
}

/**
 * An update to a run that completed, or to a workflow id that never ran: the client raises
 * WorkflowNotFoundError for gRPC NOT_FOUND. Nothing else counts (a message that merely contains
 * "not found" is another failure and must not be acknowledged).
 */
export function isFinishedOrUnknownRun(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError;
}
