/**
 * The payout provider's contract as this emulator honours it, stated here and not taken from our
 * client (src/payout). Wire conventions (errors, Idempotency-Key, signed callbacks):
 * ../provider-conventions.ts.
 *
 * - `POST /v1/payouts` (Idempotency-Key): amount, currency, a Taiwan bank account and the
 *   caller's reference → `202 {id: "po_…", status: "pending", …}`; the outcome follows by signed
 *   callback `payout.paid` / `payout.failed` to the ONE endpoint registered with the provider
 *   (not per request, as Stripe's webhook endpoints).
 * - `GET /v1/payouts/{id}`; `GET /v1/statement?from&to`: paid payouts only, for reconciliation.
 */
import { z } from 'zod';
import {
  amountMinorSchema,
  bankAccountFields,
  currencySchema,
  eventEnvelope,
  referenceSchema,
  type ProviderCurrency,
} from '../provider-conventions';

export const payoutRequestSchema = z
  .object({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    ...bankAccountFields,
    reference: referenceSchema,
  })
  .strict();
export type PayoutInput = z.infer<typeof payoutRequestSchema>;

export interface Payout {
  id: string;
  status: 'pending' | 'paid' | 'failed';
  amountMinor: number;
  currency: ProviderCurrency;
  reference: string;
  bankCode: string;
  accountNumberLast4: string;
  failureCode?: string;
  failureMessage?: string;
  created: number;
}

export interface PayoutStatementEntry {
  payoutId: string;
  reference: string;
  amountMinor: number;
  currency: ProviderCurrency;
  status: 'paid';
  /** ISO 8601. */
  occurredAt: string;
}

const payoutEventData = z.object({
  payoutId: z.string(),
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
});

export const payoutEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('payout.paid', payoutEventData),
  eventEnvelope('payout.failed', payoutEventData.extend({ failureCode: z.string().min(1), failureMessage: z.string() })),
]);
export type PayoutEvent = z.infer<typeof payoutEventSchema>;
