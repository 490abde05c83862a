import { proxyActivities } from '@temporalio/workflow';
import type { OperationsActivities } from '../activities/operations-activities';
import type { AuditChainSummary } from './operations-messages';

/**
 * A scheduled check (src/ops/schedules.ts starts it): one activity; the work is reading and
 * comparing, and what it finds is kept and alerted by the activity. A failed run is
 * retried by the activity's policy, then the workflow fails and the next scheduled run tries again.
 */
const checks = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10s', maximumAttempts: 5 },
});

/** The hash-chained audit log, link by link. */
export async function auditChainWorkflow(): Promise<AuditChainSummary> {
  return checks.verifyAuditChainAndRecord();
}
