import { ApplicationFailure } from '@temporalio/workflow';
import { TEXT_LIMITS } from '../src/domain/limits';
import type { Reason } from '../src/deal/reasons';

/**
 * Refusals for update validators: a non-retryable `ApplicationFailure` whose type the api maps
 * to a problem (`IllegalStep`, `InvalidInput`, `NotTheOwner`, …). Workflow-safe: imports only
 * from `@temporalio/workflow`.
 */
/** Every kind of refusal a workflow answers with; the api maps each to an HTTP status (src/api/problem.ts). */
export type RefusalType =
  | 'InvalidInput'
  | 'IllegalStep'
  | 'NotTheBuyer'
  | 'NotTheSeller'
  | 'NotTheOwner'
  | 'BuyerBlocked'
  | 'PasswordLocked'
  | 'WalletLocked'
  | 'SelfDealing'
  | 'OtpLimit'
  | 'UnknownCharge'
  | 'UnknownPayout'
  | 'UnknownVerification'
  | 'SameApprover';

/** The English `message` is for the API and logs; `reason` (a code, in the details) is what renderers translate for people. */
export function refuse(type: RefusalType, message: string, reason?: Reason): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, ...(reason ? { details: [reason] } : {}) });
}

/** Non-empty text of at most 200 characters, or an `InvalidInput` refusal naming the field. */
export function requireText(value: unknown, field: string): void {
  const max = TEXT_LIMITS.shortTextMaxChars;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    refuse('InvalidInput', `${field} must be non-empty text of at most ${max} characters`);
}
