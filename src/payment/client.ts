/**
 * Our port to the payment provider. Only the base URL and key differ between the emulator and
 * production. Every money-moving call takes the caller's idempotency key (derived from workflow
 * id + step) so a retried activity can never charge or refund twice.
 */
import {
  chargeAcceptedSchema,
  chargeSchema,
  paymentEventSchema,
  paymentStatementSchema,
  refundSchema,
  type Charge,
  type ChargeAccepted,
  type ChargeInput,
  type PaymentEvent,
  type PaymentStatement,
  type Refund,
  type RefundInput,
  type StatementRange,
} from './contract';
import { PaymentRefused, PaymentUnavailable } from './errors';
import { createJsonApi, type ProviderClientOptions } from './provider-client';
import { parseSignedEvent, type WebhookCheckOptions } from './webhook';

export const PAYMENT_SERVICE = 'payment provider';

export interface PaymentProvider {
  charge(input: ChargeInput, idempotencyKey: string): Promise<ChargeAccepted>;
  getCharge(id: string): Promise<Charge>;
  refund(input: RefundInput, idempotencyKey: string): Promise<Refund>;
  statement(range?: StatementRange): Promise<PaymentStatement>;
}

export function createPaymentProvider(options: ProviderClientOptions): PaymentProvider {
  const api = createJsonApi({ service: PAYMENT_SERVICE, Refused: PaymentRefused, Unavailable: PaymentUnavailable }, options);
  return {
    charge: (input, idempotencyKey) =>
      api({ method: 'POST', path: '/v1/charges', body: input, idempotencyKey, responseSchema: chargeAcceptedSchema }),
    getCharge: (id) => api({ method: 'GET', path: `/v1/charges/${encodeURIComponent(id)}`, responseSchema: chargeSchema }),
    refund: (input, idempotencyKey) =>
      api({ method: 'POST', path: '/v1/refunds', body: input, idempotencyKey, responseSchema: refundSchema }),
    statement: (range = {}) =>
      api({ method: 'GET', path: '/v1/statement', query: { from: range.from, to: range.to }, responseSchema: paymentStatementSchema }),
  };
}

/** Verifies `X-Signature` and the event shape; throws `InvalidWebhook` otherwise. */
export function parsePaymentEvent(
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
  options?: WebhookCheckOptions,
): PaymentEvent {
  return parseSignedEvent(paymentEventSchema, rawBody, signatureHeader, secret, options);
}
