/**
 * The payment provider's HTTP contract, in one place for both sides: our client parses its
 * answers with these schemas and the emulator validates requests with them, so the two cannot
 * drift apart silently.
 */
import { z } from 'zod';
import { amountMinorSchema, currencySchema } from './money';
import { eventEnvelope } from './webhook';

export const REFERENCE_MAX_CHARS = 128;
export const PAYMENT_TOKEN_MAX_CHARS = 256;
export const CALLBACK_URL_MAX_CHARS = 2048;

export const referenceSchema = z.string().min(1).max(REFERENCE_MAX_CHARS);
export const callbackUrlSchema = z
  .string()
  .max(CALLBACK_URL_MAX_CHARS)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: 'callbackUrl must be http(s)' });

import { PAYMENT_SOURCE_TYPES, type PaymentSourceType } from '../domain/payment-sources';
export { PAYMENT_SOURCE_TYPES, type PaymentSourceType };

export const chargeRequestSchema = z
  .object({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    /** Our order id; echoed in events and statements so we can match them. */
    reference: referenceSchema,
    paymentSource: z
      .object({ type: z.enum(PAYMENT_SOURCE_TYPES), token: z.string().min(1).max(PAYMENT_TOKEN_MAX_CHARS) })
      .strict(),
    callbackUrl: callbackUrlSchema,
  })
  .strict();
export type ChargeInput = z.infer<typeof chargeRequestSchema>;

export const CHARGE_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

export const chargeIdSchema = z.string().startsWith('ch_');

/** What `POST /v1/charges` promises (202): the outcome arrives later by callback. */
export const chargeAcceptedSchema = z.object({ id: chargeIdSchema, status: z.literal('pending') });
export type ChargeAccepted = z.infer<typeof chargeAcceptedSchema>;

export const chargeSchema = z.object({
  id: chargeIdSchema,
  status: z.enum(CHARGE_STATUSES),
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  reference: referenceSchema,
  paymentSourceType: z.enum(PAYMENT_SOURCE_TYPES),
  /** Sum of refunds so far, minor units. */
  refundedMinor: z.number().int().nonnegative(),
  failureCode: z.string().optional(),
  failureMessage: z.string().optional(),
  created: z.number().int().nonnegative(),
});
export type Charge = z.infer<typeof chargeSchema>;

export const refundRequestSchema = z.object({ chargeId: chargeIdSchema, amountMinor: amountMinorSchema }).strict();
export type RefundInput = z.infer<typeof refundRequestSchema>;

export const refundSchema = z.object({
  id: z.string().startsWith('re_'),
  chargeId: chargeIdSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  status: z.literal('succeeded'),
  created: z.number().int().nonnegative(),
});
export type Refund = z.infer<typeof refundSchema>;

/** Half-open range [from, to) of ISO 8601 instants; both optional. */
export const statementQuerySchema = z.object({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});
export type StatementRange = z.infer<typeof statementQuerySchema>;

/** Only settled money movements appear: succeeded charges and refunds. */
export const paymentStatementEntrySchema = z.object({
  kind: z.enum(['charge', 'refund']),
  id: z.string(),
  chargeId: chargeIdSchema,
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  occurredAt: z.string().datetime({ offset: true }),
});
export type PaymentStatementEntry = z.infer<typeof paymentStatementEntrySchema>;

export const paymentStatementSchema = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  entries: z.array(paymentStatementEntrySchema),
});
export type PaymentStatement = z.infer<typeof paymentStatementSchema>;

const chargeEventData = z.object({
  chargeId: chargeIdSchema,
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
});

export const paymentEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('charge.succeeded', chargeEventData),
  eventEnvelope('charge.failed', chargeEventData.extend({ failureCode: z.string().min(1), failureMessage: z.string() })),
]);
export type PaymentEvent = z.infer<typeof paymentEventSchema>;
