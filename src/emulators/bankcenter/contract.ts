/**
 * The bank verification center's contract (驗證中心) as this emulator honours it, stated here and
 * not taken from our client (src/bankcenter), so a wrong assumption on our side fails a test.
 * Wire conventions (errors, Idempotency-Key, signed callbacks): ../provider-conventions.ts.
 *
 * - `POST /v1/verifications` (Idempotency-Key): the account, the code the bank gave its holder,
 *   where to call back, and the caller's reference → `202 {id: "ver_…", status: "pending", …}`;
 *   the outcome follows by signed callback `verification.succeeded` / `verification.failed`
 *   (with a reason).
 * - `GET /v1/verifications/{id}`: the verification as it stands. The full account number is
 *   never echoed, only its last four digits.
 */
import { z } from 'zod';
import { bankAccountFields, bankCodeSchema, eventEnvelope, httpUrlSchema, referenceSchema } from '../provider-conventions';

export const verificationCodeSchema = z.string().regex(/^[0-9A-Za-z]{4,12}$/, 'verificationCode must be 4–12 letters or digits');

export const verificationRequestSchema = z
  .object({
    ...bankAccountFields,
    verificationCode: verificationCodeSchema,
    callbackUrl: httpUrlSchema,
    reference: referenceSchema,
  })
  .strict();
export type VerificationInput = z.infer<typeof verificationRequestSchema>;

/** The reasons this center gives for a failed verification. */
export const VERIFICATION_FAILURE_REASONS = ['code_mismatch', 'account_not_found', 'account_frozen', 'holder_name_mismatch'] as const;
export type VerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number];

export interface Verification {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  reference: string;
  bankCode: z.infer<typeof bankCodeSchema>;
  accountNumberLast4: string;
  reason?: VerificationFailureReason;
  created: number;
}

const verificationEventData = z.object({ verificationId: z.string(), reference: referenceSchema });

export const bankCenterEventSchema = z.discriminatedUnion('type', [
  eventEnvelope('verification.succeeded', verificationEventData),
  eventEnvelope('verification.failed', verificationEventData.extend({ reason: z.enum(VERIFICATION_FAILURE_REASONS) })),
]);
export type BankCenterEvent = z.infer<typeof bankCenterEventSchema>;
