/**
 * The payout provider's HTTP contract (money from our payout clearing account to a verified
 * bank account), shared by our client and the emulator. Outcomes arrive by signed webhook to
 * the endpoint configured with the provider (not per request), and a statement lets us
 * reconcile what the provider says it paid against our ledger.
 */
import { z } from 'zod';
import { bankAccountFields } from '../bankcenter/contract';
import { referenceSchema } from '../payment/contract';
import { amountMinorSchema, currencySchema } from '../payment/money';
import { acceptedSchemaOf, eventEnvelope, statementSchemaOf } from '../payment/webhook';

export const payoutRequestSchema = z
  .object({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    ...bankAccountFields,
    /** Ours (payout workflow id); echoed in events and statements. */
    reference: referenceSchema,
  })
  .strict();
export type PayoutInput = z.infer<typeof payoutRequestSchema>;

export const payoutIdSchema = z.string().startsWith('po_');
export const PAYOUT_STATUSES = ['pending', 'paid', 'failed'] as const;

export const payoutAcceptedSchema = acceptedSchemaOf(payoutIdSchema);
export type PayoutAccepted = z.infer<typeof payoutAcceptedSchema>;

export const payoutSchema = z.object({
  id: payoutIdSchema,
  status: z.enum(PAYOUT_STATUSES),
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  reference: referenceSchema,
  bankCode: bankAccountFields.bankCode,
  accountNumberLast4: z.string().regex(/^\d{4}$/),
  failureCode: z.string().optional(),
  failureMessage: z.string().optional(),
  created: z.number().int().nonnegative(),
});
export type Payout = z.infer<typeof payoutSchema>;

/** Only money that left: paid payouts. */
export const payoutStatementEntrySchema = z.object({
  payoutId: payoutIdSchema,
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  status: z.literal('paid'),
  occurredAt: z.string().datetime({ offset: true }),
});
export type PayoutStatementEntry = z.infer<typeof payoutStatementEntrySchema>;

export const payoutStatementSchema = statementSchemaOf(payoutStatementEntrySchema);
export type PayoutStatement = z.infer<typeof payoutStatementSchema>;

const payoutEventData = z.object({
  payoutId: payoutIdSchema,
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
});

export const payoutEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('payout.paid', payoutEventData),
  eventEnvelope('payout.failed', payoutEventData.extend({ failureCode: z.string().min(1), failureMessage: z.string() })),
]);
export type PayoutEvent = z.infer<typeof payoutEventSchema>;
