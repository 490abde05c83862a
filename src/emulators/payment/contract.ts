/**
 * The payment provider's contract as this emulator honours it, stated here and not taken from
 * our client (src/payment), so a wrong assumption on our side fails a test instead of agreeing
 * with itself. Wire conventions (errors, Idempotency-Key, signed callbacks, event envelope):
 * ../provider-conventions.ts.
 *
 * Direct charges (a token from a card form we do not host):
 * - `POST /v1/charges` (Idempotency-Key) → `202 {id: "ch_…", status: "pending"}`; the outcome
 *   follows by signed callback to the request's `callbackUrl`.
 * - `GET /v1/charges/{id}`; `POST /v1/refunds` (Idempotency-Key).
 *
 * Statement, for the merchant's reconciliation (as Stripe's balance transactions and the Taiwan
 * providers' daily settlement files serve it):
 * - `GET /v1/statement?from&to` (ISO 8601, half-open `[from, to)`) → `200 {from, to, entries}`,
 *   every money movement in the range, oldest first: `{kind: "charge" | "refund", id, chargeId,
 *   reference, amountMinor, currency, occurredAt}` — a charge when it succeeded (failed ones
 *   moved no money), a refund when it was made. `reference` is the merchant's reference of the
 *   charge, on its refunds too.
 * - Control (tests and local runs): `POST /__emulator/statement-differences` makes the statement
 *   disagree with what happened until `DELETE /__emulator/statement-differences`: `omit` an entry,
 *   change an entry's `amount` by `deltaMinor`, or add a `phantom` charge or refund.
 *
 * Hosted checkout, modelled on Taiwan's providers and Stripe Checkout. Fields taken:
 * - NewebPay MPG (藍新 幕前支付): `MerchantOrderNo` → `reference` (letters, digits and `_`, at
 *   most 30), `Amt` → `amountMinor`, `ReturnURL` → `returnUrl` (the buyer's browser comes back),
 *   `NotifyURL` → `callbackUrl` (the server-to-server result), `LangType` → `language`,
 *   `CREDIT`/`VACC` → `paymentMethods` `card`/`atm`
 *   (https://www.npmjs.com/package/newebpay-mpg-sdk, NPA-01 field list).
 * - ECPay AIO (綠界 全方位金流 AioCheckOut/V5): `TradeDesc` String(200) → `description`;
 *   `TotalAmount` "integer, New Taiwan Dollars only" → ATM takes TWD only; `ChoosePayment`
 *   Credit/ATM; ATM `ExpireDate` at most 60 days → the longest `expiresAt`; the ATM code
 *   retrieval result (`BankCode`, `vAccount`, `ExpireDate`, https://developers.ecpay.com.tw/?p=16557)
 *   → `virtualAccount {bankCode, accountNumber, expiresAt}`, here answered synchronously when the
 *   session is created, as ECPay's back-end code API does (`GenPaymentCode`, ChoosePayment ATM,
 *   https://developers.ecpay.com.tw/?p=28000). "If the payment amount is incorrect, overdue, or
 *   repetitive, it is the bank which validates" (https://developers.ecpay.com.tw/?p=16495):
 *   a transfer of another amount is taken and reported with the amount received; after expiry,
 *   or into an account already paid, the bank refuses it.
 * - Stripe Checkout: `POST /v1/checkout/sessions` answering `{id, url}`, `expires_at`, the
 *   return URL carrying `session_id`, test card numbers (https://docs.stripe.com/testing).
 * Not taken: the Taiwan providers' form-post redirect and their signature schemes (ECPay's
 * CheckMacValue, NewebPay's AES TradeInfo + TradeSha): results come by our signed JSON callback
 * (t=…,v1=HMAC, with a timestamp inside the MAC, which neither of theirs has). Nor NewebPay's
 * rule that an order number is used once: one order may need a second session after a decline;
 * Idempotency-Key prevents duplicates instead.
 *
 * - `POST /v1/checkout/sessions` (Idempotency-Key) → `201` session (below); `400` when a field
 *   breaks the rules, `422 payment-method-unavailable` for `atm` in another currency than TWD.
 * - `GET /v1/checkout/sessions/{id}` → the session as it stands.
 * - `POST /v1/checkout/sessions/{id}/expire` (Stripe's "expire a session") → `200` the session,
 *   expired with its virtual account; `409 checkout-session-not-open` when it was already decided.
 * - The buyer opens `url` (no credentials: the unguessable id is the capability): a card form,
 *   and the virtual account when `atm` was asked for. One session has one outcome: the first
 *   card that succeeds or fails, or the first transfer, decides it; the other way closes.
 * - Outcome by signed callback to `callbackUrl`: `charge.succeeded` / `charge.failed` with
 *   `chargeId`, `reference`, `amountMinor` (what was taken: for a transfer, what arrived),
 *   `currency` and `checkoutSessionId`.
 */
import { z } from 'zod';
import {
  amountMinorSchema,
  currencySchema,
  eventEnvelope,
  httpUrlSchema,
  referenceSchema,
  type ProviderCurrency,
} from '../provider-conventions';

export const PAYMENT_TOKEN_MAX_CHARS = 256;
export const PAYMENT_SOURCE_TYPES = ['card', 'bank_transfer', 'line_pay_wallet'] as const;
export type PaymentSourceType = (typeof PAYMENT_SOURCE_TYPES)[number];

// ---------------------------------------------------------------- direct charges

export const chargeRequestSchema = z
  .object({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    reference: referenceSchema,
    paymentSource: z.object({ type: z.enum(PAYMENT_SOURCE_TYPES), token: z.string().min(1).max(PAYMENT_TOKEN_MAX_CHARS) }).strict(),
    callbackUrl: httpUrlSchema,
  })
  .strict();
export type ChargeInput = z.infer<typeof chargeRequestSchema>;

export interface Charge {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  amountMinor: number;
  currency: ProviderCurrency;
  reference: string;
  paymentSourceType: PaymentSourceType;
  refundedMinor: number;
  failureCode?: string;
  failureMessage?: string;
  /** Set for a charge made through a hosted checkout session. */
  checkoutSessionId?: string;
  created: number;
}

export const refundRequestSchema = z.object({ chargeId: z.string().min(1), amountMinor: amountMinorSchema }).strict();

export interface Refund {
  id: string;
  chargeId: string;
  amountMinor: number;
  currency: ProviderCurrency;
  status: 'succeeded';
  created: number;
}

export interface PaymentStatementEntry {
  kind: 'charge' | 'refund';
  id: string;
  chargeId: string;
  reference: string;
  amountMinor: number;
  currency: ProviderCurrency;
  occurredAt: string;
}

/** How a test makes the statement disagree with what happened (so reconciliation has something to find). */
export const statementDifferenceSchema = z.discriminatedUnion('kind', [
  /** The provider "forgot" a movement (a charge's or a refund's id). */
  z.object({ kind: z.literal('omit'), entryId: z.string().min(1) }).strict(),
  /** The provider reports another amount for a movement. */
  z
    .object({
      kind: z.literal('amount'),
      entryId: z.string().min(1),
      deltaMinor: z
        .number()
        .int()
        .refine((d) => d !== 0, 'deltaMinor must not be 0'),
    })
    .strict(),
  /** The provider reports a movement that never happened. */
  z
    .object({
      kind: z.literal('phantom'),
      entryKind: z.enum(['charge', 'refund']),
      reference: referenceSchema,
      amountMinor: amountMinorSchema,
      currency: currencySchema,
    })
    .strict(),
]);
export type StatementDifference = z.infer<typeof statementDifferenceSchema>;

// ---------------------------------------------------------------- hosted checkout

export const CHECKOUT_PAYMENT_METHODS = ['card', 'atm'] as const;
export type CheckoutPaymentMethod = (typeof CHECKOUT_PAYMENT_METHODS)[number];
/** ATM transfers settle in NT$ only. */
export const ATM_CURRENCIES: readonly ProviderCurrency[] = ['TWD'];
/** NewebPay's MerchantOrderNo: letters, digits and `_`, at most 30. */
export const CHECKOUT_REFERENCE_PATTERN = /^[A-Za-z0-9_]{1,30}$/;
/** ECPay's TradeDesc String(200). */
export const DESCRIPTION_MAX_CHARS = 200;
/** A session must stay payable at least this long; Stripe asks 30 minutes, we ask one so local runs can watch one expire. */
export const SESSION_MIN_LIFETIME_SECONDS = 60;
/** ECPay's ATM ExpireDate: at most 60 days. */
export const SESSION_MAX_LIFETIME_SECONDS = 60 * 24 * 60 * 60;
export const CHECKOUT_LANGUAGES = ['zh-TW', 'en'] as const;
export type CheckoutLanguage = (typeof CHECKOUT_LANGUAGES)[number];

/** Virtual accounts: a 3-digit bank code and a 14-digit account, one per session, one transfer each. */
export const VIRTUAL_ACCOUNT_DIGITS = 14;
export const DEFAULT_VIRTUAL_ACCOUNT_BANK_CODE = '812';

/** The 3-D-Secure-like challenge: a one-time code the emulated issuer "texts" (shown on its page). */
export const CHALLENGE_CODE_DIGITS = 6;
export const CHALLENGE_MAX_ATTEMPTS = 3;

export const checkoutSessionRequestSchema = z
  .object({
    amountMinor: amountMinorSchema,
    currency: currencySchema,
    reference: z.string().regex(CHECKOUT_REFERENCE_PATTERN, 'reference must be 1–30 letters, digits or _'),
    description: z.string().trim().min(1).max(DESCRIPTION_MAX_CHARS),
    returnUrl: httpUrlSchema,
    callbackUrl: httpUrlSchema,
    paymentMethods: z
      .array(z.enum(CHECKOUT_PAYMENT_METHODS))
      .min(1)
      .refine((methods) => new Set(methods).size === methods.length, { message: 'paymentMethods must not repeat' }),
    /** Unix seconds; the hosted page and the virtual account close then. */
    expiresAt: z.number().int().positive(),
    language: z.enum(CHECKOUT_LANGUAGES).optional(),
  })
  .strict();
export type CheckoutSessionInput = z.infer<typeof checkoutSessionRequestSchema>;

export interface VirtualAccount {
  bankCode: string;
  accountNumber: string;
  amountMinor: number;
  currency: ProviderCurrency;
  expiresAt: number;
  status: 'awaiting_transfer' | 'received' | 'closed' | 'expired';
}

export interface CheckoutSession {
  id: string;
  status: 'open' | 'complete' | 'failed' | 'expired';
  url: string;
  amountMinor: number;
  currency: ProviderCurrency;
  reference: string;
  description: string;
  paymentMethods: CheckoutPaymentMethod[];
  language: CheckoutLanguage;
  expiresAt: number;
  created: number;
  /** The charge that decided the session. */
  chargeId?: string;
  virtualAccount?: VirtualAccount;
}

/** Control route: money arriving at a virtual account, as the bank would report it. */
export const transferRequestSchema = z.object({ amountMinor: amountMinorSchema }).strict();

export const clockAdvanceSchema = z.object({ advanceSeconds: z.number().int().positive() }).strict();

export type CardOutcome = { kind: 'succeed' } | { kind: 'challenge' } | { kind: 'fail'; code: string; message: string };

/** Stripe's test card numbers (https://docs.stripe.com/testing); any other number is refused by the form. */
export const TEST_CARDS: Readonly<Record<string, CardOutcome>> = {
  '4242424242424242': { kind: 'succeed' },
  '4000000000000002': { kind: 'fail', code: 'card_declined', message: 'The card was declined.' },
  '4000000000009995': { kind: 'fail', code: 'insufficient_funds', message: 'The card has insufficient funds.' },
  '4000000000003220': { kind: 'challenge' },
};
export const AUTHENTICATION_FAILED = { code: 'authentication_failed', message: 'The one-time code was wrong too many times.' } as const;

// ---------------------------------------------------------------- events

const chargeEventData = z.object({
  chargeId: z.string(),
  reference: referenceSchema,
  amountMinor: amountMinorSchema,
  currency: currencySchema,
  checkoutSessionId: z.string().optional(),
});

export const paymentEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('charge.succeeded', chargeEventData),
  eventEnvelope('charge.failed', chargeEventData.extend({ failureCode: z.string().min(1), failureMessage: z.string() })),
]);
export type PaymentEvent = z.infer<typeof paymentEventSchema>;
