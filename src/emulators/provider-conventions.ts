/**
 * The wire conventions our three emulated providers (payment, payout, bank verification center)
 * share, stated here for the emulators alone: the product states its own beliefs in src/payment,
 * src/payout and src/bankcenter, and test/emulators checks both against each other on real
 * requests. Nothing here may be imported from the product (test/emulators/independence.test.ts).
 *
 * The three follow Stripe's public API conventions, each point from its reference page:
 * - errors are RFC 9457 `application/problem+json`; the `type` URI's last segment is the code;
 * - money moves only with an `Idempotency-Key` header of at most 255 characters; the first
 *   response is replayed for the same request, the same key with another body is refused
 *   (https://docs.stripe.com/idempotency);
 * - callbacks are signed `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw
 *   body>")>` (the `Stripe-Signature` scheme under our header name), receivers allow 300 s of
 *   clock difference, a failed delivery is retried with back-off
 *   (https://docs.stripe.com/webhooks, "Verify signatures manually");
 * - every callback is an event `{id: "evt_…", type, created: unix seconds, data}`.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';

// ---------------------------------------------------------------- errors

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Where the emulated providers root their problem type URIs. */
export const PROBLEM_TYPE_BASE = 'https://errors.emulator.invalid/problems/';

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code}`;
}

// ---------------------------------------------------------------- idempotency

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;

// ---------------------------------------------------------------- signed callbacks

export const SIGNATURE_HEADER = 'X-Signature';
/** What receivers are told to allow between `t` and their clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The `X-Signature` value for one delivery of `rawBody` at `timestampSeconds`. */
export function signCallback(secret: string, rawBody: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** The envelope of every callback. */
export function eventEnvelope<T extends string, D extends z.ZodTypeAny>(type: T, data: D) {
  return z.object({
    id: z.string().startsWith('evt_'),
    type: z.literal(type),
    /** Unix seconds when the event happened (not when this delivery was attempted). */
    created: z.number().int().nonnegative(),
    data,
  });
}

// ---------------------------------------------------------------- money

/**
 * The currencies the providers settle, with the minor digits their integer amounts count in.
 * TWD is whole dollars: Taiwan's providers take integer NT$ (ECPay's TotalAmount "only integer,
 * New Taiwan Dollars only", https://developers.ecpay.com.tw/?p=16495).
 */
export const CURRENCY_MINOR_DIGITS = { TWD: 0, JPY: 0, THB: 2, USD: 2 } as const;
export type ProviderCurrency = keyof typeof CURRENCY_MINOR_DIGITS;
export const PROVIDER_CURRENCIES = Object.keys(CURRENCY_MINOR_DIGITS) as [ProviderCurrency, ...ProviderCurrency[]];

export const currencySchema = z.enum(PROVIDER_CURRENCIES);
export const amountMinorSchema = z
  .number()
  .refine((v) => Number.isSafeInteger(v) && v > 0, { message: 'amountMinor must be a positive safe integer (minor units)' });

// ---------------------------------------------------------------- common fields

export const REFERENCE_MAX_CHARS = 128;
export const CALLBACK_URL_MAX_CHARS = 2048;

/** The caller's own reference, echoed in events and statements. */
export const referenceSchema = z.string().min(1).max(REFERENCE_MAX_CHARS);
export const httpUrlSchema = z
  .string()
  .max(CALLBACK_URL_MAX_CHARS)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' });

/** Half-open range [from, to) of ISO 8601 instants; both optional. */
export const statementQuerySchema = z.object({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});
export type StatementRange = z.infer<typeof statementQuerySchema>;

// ---------------------------------------------------------------- Taiwan bank accounts

/**
 * A Taiwan bank account as the bank center verifies it and the payout provider pays it: a
 * 3-digit bank code (the FISC code, e.g. 812) and an account number of 6–16 digits.
 */
export const bankCodeSchema = z.string().regex(/^\d{3}$/, 'bankCode must be 3 digits');
export const accountNumberSchema = z.string().regex(/^\d{6,16}$/, 'accountNumber must be 6–16 digits');
export const HOLDER_NAME_MAX_CHARS = 100;
export const bankAccountFields = {
  bankCode: bankCodeSchema,
  accountNumber: accountNumberSchema,
  holderName: z.string().trim().min(1).max(HOLDER_NAME_MAX_CHARS),
};
