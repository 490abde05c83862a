import { WEBHOOK_PATHS } from '../../domain/webhooks';
import type { Client } from '@temporalio/client';
import type { Settings } from '../../config/settings';
import { orderWorkflowId, PAYMENT_CODE_PATTERN, payoutWorkflowId, quickReceiveWorkflowId } from '../../domain/ids';
import { parsePaymentEvent, type PaymentEvent } from '../../payment';
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
    parse: (raw, signature) => parsePaymentEvent(raw, signature, settings.payments.webhookSecret),
    workflowIdFor: (reference) => (PAYMENT_CODE_PATTERN.test(reference) ? orderWorkflowId(reference) : undefined),
    update: paymentResultUpdate,
    arg: (event): PaymentResult => ({
      eventId: event.id,
      chargeId: event.data.chargeId,
      succeeded: event.type === 'charge.succeeded',
      amountMinor: event.data.amountMinor,
      currency: event.data.currency,
      occurredAtMs: event.created * 1000,
      ...failureOf(event.data),
    }),
  };

  // S604/S704: the verification center's result.
  const bankCenter: SignedWebhook<BankCenterEvent> = {
    path: WEBHOOK_PATHS.bankCenter,
    parse: (raw, signature) => parseBankCenterEvent(raw, signature, settings.bankCenter.webhookSecret),
    workflowIdFor: (reference) => (reference.startsWith(quickReceiveWorkflowId('')) ? reference : undefined),
    update: verificationResultUpdate,
    arg: (event): VerificationResult => ({
      eventId: event.id,
      verificationId: event.data.verificationId,
      succeeded: event.type === 'verification.succeeded',
      reason: 'reason' in event.data ? event.data.reason : undefined,
    }),
  };

  // The payout provider's result.
  const payouts: SignedWebhook<PayoutEvent> = {
    path: WEBHOOK_PATHS.payouts,
    parse: (raw, signature) => parsePayoutEvent(raw, signature, settings.payouts.webhookSecret),
    workflowIdFor: (reference) => (reference.startsWith(payoutWorkflowId('')) ? reference : undefined),
    update: payoutResultUpdate,
    arg: (event): PayoutResult => ({
      eventId: event.id,
      providerPayoutId: event.data.payoutId,
      paid: event.type === 'payout.paid',
      ...failureOf(event.data),
    }),
  };

  return signedWebhookRouter(deps.temporal, [payments, bankCenter, payouts]);
}

/** A failed charge or payout carries the provider's code and message; a success carries neither. */
function failureOf(data: object): { failureCode?: string; failureMessage?: string } {
  return {
    failureCode: 'failureCode' in data ? (data.failureCode as string) : undefined,
    failureMessage: 'failureMessage' in data ? (data.failureMessage as string) : undefined,
  };
}
