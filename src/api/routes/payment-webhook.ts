import express, { Router } from 'express';
import type { Client } from '@temporalio/client';
import { orderWorkflowId, PAYMENT_CODE_PATTERN } from '../../domain/ids';
import { parsePaymentEvent, SIGNATURE_HEADER } from '../../payment';
import { paymentResultUpdate } from '../../../workflows/order-messages';
import { sendUpdate } from '../updates';
import { ignoreUnknownReference, parseSignedOr401, relayToWorkflow } from '../webhook-relay';

/**
 * S201: the provider's signed result, relayed into the order as an update whose id is the
 * provider's event id, so a redelivered webhook changes nothing. The amount and currency the
 * provider reports travel with it: the order compares them with its total before booking.
 */
export function paymentWebhookRoutes(deps: { temporal: Client; webhookSecret: string }): Router {
  const router = Router();
  router.post('/webhooks/payments', express.raw({ type: '*/*', limit: '64kb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = parseSignedOr401(res, () => parsePaymentEvent(raw, req.get(SIGNATURE_HEADER), deps.webhookSecret));
    if (!event) return;
    const paymentCode = event.data.reference;
    if (!PAYMENT_CODE_PATTERN.test(paymentCode)) return ignoreUnknownReference(res, event.id);
    await relayToWorkflow(res, event.id, () => sendUpdate(deps.temporal.workflow.getHandle(orderWorkflowId(paymentCode)), paymentResultUpdate, {
      updateId: event.id,
      args: [{
        eventId: event.id,
        chargeId: event.data.chargeId,
        succeeded: event.type === 'charge.succeeded',
        amountMinor: event.data.amountMinor,
        currency: event.data.currency,
        occurredAtMs: event.created * 1000,
        failureCode: 'failureCode' in event.data ? event.data.failureCode : undefined,
        failureMessage: 'failureMessage' in event.data ? event.data.failureMessage : undefined,
      }],
    }));
  });
  return router;
}
