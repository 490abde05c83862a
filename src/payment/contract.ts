/**
 * The payment provider's HTTP contract as our client understands it: what we send and the
 * schemas we parse its answers with. The emulator states the provider's side on its own
 * (src/emulators/payment/contract.ts); test/emulators and test/checkout make both meet on real
 * requests, so a wrong belief here fails a test instead of agreeing with itself.
 */
import { z } from 'zod';
import { amountMinorSchema, currencySchema, type Currency } from './money';
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
    paymentSource: z.object({ type: z.enum(PAYMENT_SOURCE_TYPES), token: z.string().min(1).max(PAYMENT_TOKEN_MAX_CHARS) }).strict(),
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
  /** The hosted checkout session the charge was made in, if any. */
  checkoutSessionId: z.string().optional(),
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
  /** What the provider took: for a bank transfer, what arrived (it may differ from what was asked). */
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  /** Set for a charge made through a hosted checkout session: how an order recognises its charge. */
  checkoutSessionId: z.string().optional(),
});

export const paymentEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('charge.succeeded', chargeEventData),
  eventEnvelope('charge.failed', chargeEventData.extend({ failureCode: z.string().min(1), failureMessage: z.string() })),
]);
export type PaymentEvent = z.infer<typeof paymentEventSchema>;

// ---------------------------------------------------------------- hosted checkout

/** How a buyer may pay in a hosted checkout session. */
export const CHECKOUT_PAYMENT_METHODS = ['card', 'atm'] as const;
export type CheckoutPaymentMethod = (typeof CHECKOUT_PAYMENT_METHODS)[number];
/** ATM virtual accounts take NT$ only (Taiwan's providers: ECPay, NewebPay). */
export const ATM_CURRENCIES: readonly Currency[] = ['TWD'];
/** The provider's order-number rule (NewebPay MerchantOrderNo): our payment codes must fit. */
export const CHECKOUT_REFERENCE_PATTERN = /^[A-Za-z0-9_]{1,30}$/;
export const CHECKOUT_DESCRIPTION_MAX_CHARS = 200;
/** The shortest and longest a session may stay payable (the provider refuses others). */
export const CHECKOUT_MIN_LIFETIME_SECONDS = 60;
export const CHECKOUT_MAX_LIFETIME_SECONDS = 60 * 24 * 60 * 60;
export const CHECKOUT_LANGUAGES = ['zh-TW', 'en'] as const;
export type CheckoutLanguage = (typeof CHECKOUT_LANGUAGES)[number];

/** What `POST /v1/checkout/sessions` takes. */
export interface CheckoutSessionInput {
  amountMinor: number;
  currency: Currency;
  /** Our payment code; echoed in the charge events. */
  reference: string;
  description: string;
  /** Where the buyer's browser comes back, with `session_id` added. */
  returnUrl: string;
  /** Our webhook. */
  callbackUrl: string;
  paymentMethods: CheckoutPaymentMethod[];
  /** Unix seconds. */
  expiresAt: number;
  language?: CheckoutLanguage;
}

export const virtualAccountSchema = z.object({
  bankCode: z.string().regex(/^\d{3}$/),
  /** 14 digits: what the buyer keys in at the ATM. */
  accountNumber: z.string().regex(/^\d{14}$/),
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  expiresAt: z.number().int().positive(),
  status: z.enum(['awaiting_transfer', 'received', 'closed', 'expired']),
});
export type VirtualAccount = z.infer<typeof virtualAccountSchema>;

export const checkoutSessionSchema = z.object({
  id: z.string().startsWith('cs_'),
  status: z.enum(['open', 'complete', 'failed', 'expired']),
  /** The hosted page to send the buyer to. */
  url: z.string().url(),
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  reference: z.string(),
  paymentMethods: z.array(z.enum(CHECKOUT_PAYMENT_METHODS)),
  expiresAt: z.number().int().positive(),
  chargeId: chargeIdSchema.optional(),
  virtualAccount: virtualAccountSchema.optional(),
});
export type CheckoutSession = z.infer<typeof checkoutSessionSchema>;
