import { ApplicationFailure } from '@temporalio/workflow';

/**
 * Refusals for update validators: a non-retryable `ApplicationFailure` whose type the api maps
 * to a problem (`IllegalStep`, `InvalidInput`, `NotTheOwner`, …). Workflow-safe: imports only
 * from `@temporalio/workflow`.
 */
export function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Non-empty text of at most 200 characters, or an `InvalidInput` refusal naming the field. */
export function requireText(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) refuse('InvalidInput', `${field} must be non-empty text of at most 200 characters`);
}
