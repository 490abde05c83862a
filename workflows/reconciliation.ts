import { proxyActivities } from '@temporalio/workflow';
import type { OperationsActivities } from '../activities/operations-activities';
import type { ReconciliationInput, ReconciliationSummary } from './operations-messages';

/**
 * A scheduled check (src/ops/schedules.ts starts it): one activity; the work is reading and
 * comparing, and what it finds is kept and alerted by the activity. A failed run is
 * retried by the activity's policy, then the workflow fails and the next scheduled run tries again.
 */
const checks = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10s', maximumAttempts: 5 },
});

/** Every money movement of the last `lookbackMs` against the providers' statements. */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationSummary> {
  // Workflow time: the same on replay, and the scheduled action's time for a scheduled run.
  return checks.reconcileMoneyMovements({ toMs: Date.now(), lookbackMs: input.lookbackMs });
}
