import { ApplicationFailure } from '@temporalio/workflow';
import { TEXT_LIMITS } from '../src/domain/limits';

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

export function refuse(type: RefusalType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Non-empty text of at most 200 characters, or an `InvalidInput` refusal naming the field. */
export function requireText(value: unknown, field: string): void {
  const max = TEXT_LIMITS.shortTextMaxChars;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    refuse('InvalidInput', `${field} must be non-empty text of at most ${max} characters`);
}
