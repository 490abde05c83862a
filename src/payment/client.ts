/**
 * Our port to the payment provider. Only the base URL and key differ between the emulator and
 * production. Every money-moving call takes the caller's idempotency key (derived from workflow
 * id + step) so a retried activity can never charge or refund twice.
 */
import {
  chargeAcceptedSchema,
  chargeSchema,
  checkoutSessionSchema,
  paymentEventSchema,
  paymentStatementSchema,
  refundSchema,
  type Charge,
  type ChargeAccepted,
  type ChargeInput,
  type CheckoutSession,
  type CheckoutSessionInput,
  type PaymentEvent,
  type PaymentStatement,
  type Refund,
  type RefundInput,
  type StatementRange,
} from './contract';
import { PaymentRefused, PaymentUnavailable } from './errors';
import { createJsonApi, type ProviderClientOptions } from './provider-client';
import { signedEventParser, type WebhookCheckOptions } from './webhook';

export const PAYMENT_SERVICE = 'payment provider';

export interface PaymentProvider {
  charge(input: ChargeInput, idempotencyKey: string): Promise<ChargeAccepted>;
  getCharge(id: string): Promise<Charge>;
  refund(input: RefundInput, idempotencyKey: string): Promise<Refund>;
  statement(range?: StatementRange): Promise<PaymentStatement>;
  /** A hosted checkout for an order: the page to send the buyer to, and its virtual account when ATM was asked for. */
  createCheckoutSession(input: CheckoutSessionInput, idempotencyKey: string): Promise<CheckoutSession>;
  getCheckoutSession(id: string): Promise<CheckoutSession>;
  /** Closes an open session (its page and its ATM account); 409 (PaymentRefused) when it was already decided. */
  expireCheckoutSession(id: string): Promise<CheckoutSession>;
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
    createCheckoutSession: (input, idempotencyKey) =>
      api({ method: 'POST', path: '/v1/checkout/sessions', body: input, idempotencyKey, responseSchema: checkoutSessionSchema }),
    getCheckoutSession: (id) =>
      api({ method: 'GET', path: `/v1/checkout/sessions/${encodeURIComponent(id)}`, responseSchema: checkoutSessionSchema }),
    expireCheckoutSession: (id) =>
      api({ method: 'POST', path: `/v1/checkout/sessions/${encodeURIComponent(id)}/expire`, responseSchema: checkoutSessionSchema }),
  };
}

/** Verifies `X-Signature` and the event shape; throws `InvalidWebhook` otherwise. */
export const parsePaymentEvent: (
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
  options?: WebhookCheckOptions,
) => PaymentEvent = signedEventParser(paymentEventSchema);
