import { WEBHOOK_PATHS } from '../../domain/webhooks';
import type { Client } from '@temporalio/client';
import type { Settings } from '../../config/settings';
import { orderWorkflowId, PAYMENT_CODE_PATTERN, payoutWorkflowId, quickReceiveWorkflowId } from '../../domain/ids';
import { parsePaymentEvent, SIGNATURE_HEADER, type PaymentEvent } from '../../payment';
import { parsePayoutEvent } from '../../payout';
import { parseBankCenterEvent } from '../../bankcenter';
import type { PayoutEvent } from '../../payout/contract';
import type { BankCenterEvent } from '../../bankcenter/contract';
import { paymentResultUpdate, type PaymentResult } from '../../../workflows/order-messages';
import { payoutResultUpdate, type PayoutResult } from '../../../workflows/payout-messages';
import { verificationResultUpdate, type VerificationResult } from '../../../workflows/quick-receive-messages';
import { signedWebhookRouter, type SignedWebhook } from '../webhook-relay';

/** The three providers' signed callbacks, raw bodies (signatures are over the exact bytes): mount before the JSON parser. */
export function providerWebhookRoutes(deps: { temporal: Client; settings: Settings }) {
  const { settings } = deps;

  // S201: the payment provider's result; the amount and currency it reports travel with it, so
  // the order compares them with its total before booking.
  const payments: SignedWebhook<PaymentEvent> = {
    path: WEBHOOK_PATHS.payments,
    signatureHeader: SIGNATURE_HEADER,
    parse: (raw, signature) => parsePaymentEvent(raw, signature, settings.payments.webhookSecret),
    target: (event) =>
      PAYMENT_CODE_PATTERN.test(event.data.reference)
        ? {
            workflowId: orderWorkflowId(event.data.reference),
            update: paymentResultUpdate,
            arg: {
              eventId: event.id,
              chargeId: event.data.chargeId,
              succeeded: event.type === 'charge.succeeded',
              amountMinor: event.data.amountMinor,
              currency: event.data.currency,
              occurredAtMs: event.created * 1000,
              failureCode: 'failureCode' in event.data ? event.data.failureCode : undefined,
              failureMessage: 'failureMessage' in event.data ? event.data.failureMessage : undefined,
              ...(event.data.checkoutSessionId !== undefined ? { checkoutSessionId: event.data.checkoutSessionId } : {}),
            } satisfies PaymentResult,
          }
        : undefined,
  };

  // S604/S704: the verification center's result.
  const bankCenter: SignedWebhook<BankCenterEvent> = {
    path: WEBHOOK_PATHS.bankCenter,
    signatureHeader: SIGNATURE_HEADER,
    parse: (raw, signature) => parseBankCenterEvent(raw, signature, settings.bankCenter.webhookSecret),
    target: (event) =>
      event.data.reference.startsWith(quickReceiveWorkflowId(''))
        ? {
            workflowId: event.data.reference,
            update: verificationResultUpdate,
            arg: {
              eventId: event.id,
              verificationId: event.data.verificationId,
              succeeded: event.type === 'verification.succeeded',
              reason: 'reason' in event.data ? event.data.reason : undefined,
            } satisfies VerificationResult,
          }
        : undefined,
  };

  // The payout provider's result.
  const payouts: SignedWebhook<PayoutEvent> = {
    path: WEBHOOK_PATHS.payouts,
    signatureHeader: SIGNATURE_HEADER,
    parse: (raw, signature) => parsePayoutEvent(raw, signature, settings.payouts.webhookSecret),
    target: (event) =>
      event.data.reference.startsWith(payoutWorkflowId(''))
        ? {
            workflowId: event.data.reference,
            update: payoutResultUpdate,
            arg: {
              eventId: event.id,
              providerPayoutId: event.data.payoutId,
              paid: event.type === 'payout.paid',
              failureCode: 'failureCode' in event.data ? event.data.failureCode : undefined,
              failureMessage: 'failureMessage' in event.data ? event.data.failureMessage : undefined,
            } satisfies PayoutResult,
          }
        : undefined,
  };

  return signedWebhookRouter(deps.temporal, [payments, bankCenter, payouts]);
}
