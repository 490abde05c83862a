import type { LocalActivityOptions } from '@temporalio/workflow';

/**
 * How every workflow runs its effects: as local activities (a marker each in history instead of
 * three events), retried on transport faults with backoff. Refusals (a business answer that a
 * retry cannot change) are listed per workflow and fail the step at once.
 */
export function stepOptions(nonRetryableErrorTypes: string[] = []): LocalActivityOptions {
  return {
    startToCloseTimeout: '15s',
    localRetryThreshold: '10s',
    retry: { initialInterval: '200ms', maximumInterval: '30s', nonRetryableErrorTypes },
  };
}
