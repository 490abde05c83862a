/** Our port to the payout provider; only base URL and key differ from production. */
import type { StatementRange } from '../payment/contract';
import { createJsonApi, type ProviderClientOptions } from '../payment/provider-client';
import { signedEventParser, type WebhookCheckOptions } from '../payment/webhook';
import {
  payoutAcceptedSchema,
  payoutEventSchema,
  payoutSchema,
  payoutStatementSchema,
  type Payout,
  type PayoutAccepted,
  type PayoutEvent,
  type PayoutInput,
  type PayoutStatement,
} from './contract';
import { PayoutRefused, PayoutUnavailable } from './errors';

export const PAYOUT_SERVICE = 'payout provider';

export interface PayoutProvider {
  payout(input: PayoutInput, idempotencyKey: string): Promise<PayoutAccepted>;
  getPayout(id: string): Promise<Payout>;
  statement(range?: StatementRange): Promise<PayoutStatement>;
}

export function createPayoutProvider(options: ProviderClientOptions): PayoutProvider {
  const api = createJsonApi({ service: PAYOUT_SERVICE, Refused: PayoutRefused, Unavailable: PayoutUnavailable }, options);
  return {
    payout: (input, idempotencyKey) =>
      api({ method: 'POST', path: '/v1/payouts', body: input, idempotencyKey, responseSchema: payoutAcceptedSchema }),
    getPayout: (id) => api({ method: 'GET', path: `/v1/payouts/${encodeURIComponent(id)}`, responseSchema: payoutSchema }),
    statement: (range = {}) =>
      api({ method: 'GET', path: '/v1/statement', query: { from: range.from, to: range.to }, responseSchema: payoutStatementSchema }),
  };
}

/** Verifies `X-Signature` and the event shape; throws `InvalidWebhook` otherwise. */
export const parsePayoutEvent: (
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  secret: string,
  options?: WebhookCheckOptions,
) => PayoutEvent = signedEventParser(payoutEventSchema);
