/**
 * The bank verification center's HTTP contract (驗證中心), shared by our client and the
 * emulator. The user proves they own a bank account by entering the code their bank gave them;
 * the center checks it against the bank and answers asynchronously by signed callback.
 */
import { z } from 'zod';
import { callbackUrlSchema, referenceSchema } from '../payment/contract';
import { acceptedSchemaOf, eventEnvelope } from '../payment/webhook';

export const HOLDER_NAME_MAX_CHARS = 100;

/** Taiwan bank codes are three digits (e.g. 812). */
export const bankCodeSchema = z.string().regex(/^\d{3}$/, 'bankCode must be 3 digits');
export const accountNumberSchema = z.string().regex(/^\d{6,16}$/, 'accountNumber must be 6–16 digits');
export const holderNameSchema = z.string().trim().min(1).max(HOLDER_NAME_MAX_CHARS);
export const verificationCodeSchema = z.string().regex(/^[0-9A-Za-z]{4,12}$/, 'verificationCode must be 4–12 letters or digits');

/** The fields that name a bank account; also what a payout is sent to. */
export const bankAccountFields = {
  bankCode: bankCodeSchema,
  accountNumber: accountNumberSchema,
  holderName: holderNameSchema,
};

export const verificationRequestSchema = z
  .object({
    ...bankAccountFields,
    verificationCode: verificationCodeSchema,
    callbackUrl: callbackUrlSchema,
    /** Ours (e.g. the wallet-activation workflow id); echoed in the callback. */
    reference: referenceSchema,
  })
  .strict();
export type VerificationInput = z.infer<typeof verificationRequestSchema>;

export const verificationIdSchema = z.string().startsWith('ver_');

/** Reasons the emulator produces; the schema accepts any string so new reasons do not break us. */
export const VERIFICATION_FAILURE_REASONS = ['code_mismatch', 'account_not_found', 'account_frozen', 'holder_name_mismatch'] as const;
export type KnownVerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number];

export const VERIFICATION_STATUSES = ['pending', 'succeeded', 'failed'] as const;

export const verificationAcceptedSchema = acceptedSchemaOf(verificationIdSchema);
export type VerificationAccepted = z.infer<typeof verificationAcceptedSchema>;

export const verificationSchema = z.object({
  id: verificationIdSchema,
  status: z.enum(VERIFICATION_STATUSES),
  reference: referenceSchema,
  bankCode: bankCodeSchema,
  /** The center never echoes the full number. */
  accountNumberLast4: z.string().regex(/^\d{4}$/),
  reason: z.string().optional(),
  created: z.number().int().nonnegative(),
});
export type Verification = z.infer<typeof verificationSchema>;

const verificationEventData = z.object({ verificationId: verificationIdSchema, reference: referenceSchema });

export const bankCenterEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('verification.succeeded', verificationEventData),
  eventEnvelope('verification.failed', verificationEventData.extend({ reason: z.string().min(1) })),
]);
export type BankCenterEvent = z.infer<typeof bankCenterEventSchema>;
