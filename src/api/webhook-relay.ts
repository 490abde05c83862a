import express, { Router, type Response } from 'express';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { InvalidWebhook, SIGNATURE_HEADER } from '../payment';
import { sendProblem } from './problem';
import { sendUpdate } from './updates';

/**
 * The one way a signed provider callback (payments, payouts, bank verification) reaches a
 * workflow, with one answer per situation for all three providers:
 * - not signed by the provider → 401, nothing done;
 * - signed, about something that is not ours (a reference we never issued) → 200, ignored: the
 *   provider must stop, and nothing can ever apply it;
 * - the workflow finished (or was never started for that reference) → 200, ignored;
 * - the workflow refused it for now (not the step it waits for yet) → 409: the provider redelivers;
 * - relayed → 200 with the event id. Only our own outage answers 5xx, which providers retry.
 * The update id is the provider's event id, so a redelivery changes nothing.
 */
export interface SignedWebhook<E extends { id: string; data: { reference: string } }> {
  path: string;
  /** Checks the signature (the providers' common `X-Signature` header) and the event's shape; throws InvalidWebhook. */
  parse(rawBody: Buffer, signature: string | undefined): E;
  /** The workflow a reference belongs to, or undefined for a reference that is not one of ours. */
  workflowIdFor(reference: string): string | undefined;
  update: UpdateDefinition<unknown, [any]>;
  /** The update's argument, from the event. */
  arg(event: E): unknown;
}

const WEBHOOK_BODY_LIMIT = '64kb';

export function signedWebhookRouter(temporal: Client, hooks: Array<SignedWebhook<any>>): Router {
  const router = Router();
  const raw = express.raw({ type: '*/*', limit: WEBHOOK_BODY_LIMIT });
  for (const hook of hooks) {
    router.post(hook.path, raw, async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const event = parseSignedOr401(res, () => hook.parse(body, req.get(SIGNATURE_HEADER)));
      if (!event) return;
      const workflowId = hook.workflowIdFor(event.data.reference);
      if (!workflowId) return void res.status(200).json({ received: event.id, ignored: 'unknown reference' });
      await relayToWorkflow(res, event.id, () =>
        sendUpdate(temporal.workflow.getHandle(workflowId), hook.update, { updateId: event.id, args: [hook.arg(event)] }),
      );
    });
  }
  return router;
}

function parseSignedOr401<T>(res: Response, parse: () => T): T | undefined {
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

async function relayToWorkflow(res: Response, eventId: string, update: () => Promise<unknown>): Promise<void> {
  try {
    await update();
    res.status(200).json({ received: eventId });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      return sendProblem(res, 409, 'not-applicable-yet', err.cause?.message ?? 'refused by the workflow for now');
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
