import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { orderWorkflowId, PAYMENT_CODE_PATTERN } from '../../domain/ids';
import { InvalidWebhook, parsePaymentEvent, SIGNATURE_HEADER } from '../../payment';
import { paymentResultUpdate } from '../../../workflows/order-messages';
import { sendUpdate } from '../updates';
import { sendProblem } from '../problem';

/**
 * S201: the provider's signed result, relayed into the order as an update whose id is the
 * provider's event id, so a redelivered webhook changes nothing. A refusal by the workflow (a
 * stale or unknown charge) is acknowledged with 200 so the provider stops; only our own outage
 * answers 5xx, which the provider retries.
 */
export function paymentWebhookRoutes(deps: { temporal: Client; webhookSecret: string }): Router {
  const router = Router();
  router.post('/webhooks/payments', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event;
    try {
      event = parsePaymentEvent(raw, req.get(SIGNATURE_HEADER), deps.webhookSecret);
    } catch (err) {
      if (err instanceof InvalidWebhook) return sendProblem(res, 401, 'invalid-signature', `webhook refused: ${err.reason}`);
      throw err;
    }
    const orderId = event.data.reference;
    if (!PAYMENT_CODE_PATTERN.test(orderId)) return void res.status(200).json({ ignored: 'unknown reference' });
    const handle = deps.temporal.workflow.getHandle(orderWorkflowId(orderId));
    try {
      await sendUpdate(handle, paymentResultUpdate, {
        updateId: event.id,
        args: [{
          eventId: event.id,
          chargeId: event.data.chargeId,
          succeeded: event.type === 'charge.succeeded',
          failureCode: 'failureCode' in event.data ? event.data.failureCode : undefined,
          failureMessage: 'failureMessage' in event.data ? event.data.failureMessage : undefined,
        }],
      });
      res.status(200).json({ received: event.id });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        // The charge id is not (yet) the order's current one: ask for a redelivery shortly.
        return sendProblem(res, 409, 'not-applicable-yet', err.cause?.message ?? 'refused by the order');
      }
      throw err;
    }
  });
  return router;
}
