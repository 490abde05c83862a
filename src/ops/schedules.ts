import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Settings } from '../config/settings';
import { logger } from '../observability/logger';

/**
 * The Temporal Schedules of the scheduled checks, created at worker start. Creating is
 * idempotent: a schedule that exists is updated to today's settings (interval, lookback, task
 * queue), so every worker may run this and a changed setting takes effect on the next start.
 * Ids name the task queue, so deployments (and test runs) sharing a namespace keep apart.
 */
const log = logger('schedules');

export const reconciliationScheduleId = (taskQueue: string) => `ops:reconciliation:${taskQueue}`;
export const auditChainScheduleId = (taskQueue: string) => `ops:audit-chain:${taskQueue}`;

export function scheduleDefinitions(settings: Settings): ScheduleOptions[] {
  const ops = settings.operations;
  const common = {
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    state: { note: 'created by the escrow worker at start (src/ops/schedules.ts)' },
  } as const;
  return [
    {
      scheduleId: reconciliationScheduleId(settings.taskQueue),
      spec: { intervals: [{ every: ops.reconciliationIntervalMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow',
        args: [{ lookbackMs: ops.reconciliationLookbackMs }],
        taskQueue: settings.taskQueue,
        workflowId: reconciliationScheduleId(settings.taskQueue),
      },
      ...common,
    },
    {
      scheduleId: auditChainScheduleId(settings.taskQueue),
      spec: { intervals: [{ every: ops.auditVerifyIntervalMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'auditChainWorkflow',
        args: [],
        taskQueue: settings.taskQueue,
        workflowId: auditChainScheduleId(settings.taskQueue),
      },
      ...common,
    },
  ];
}

export async function ensureSchedules(client: Client, settings: Settings): Promise<string[]> {
  const ids: string[] = [];
  for (const definition of scheduleDefinitions(settings)) {
    try {
      await client.schedule.create(definition);
      log.info({ scheduleId: definition.scheduleId }, 'schedule created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(definition.scheduleId).update((previous) => ({
        ...previous,
        spec: definition.spec,
        action: definition.action,
        policies: { ...previous.policies, ...definition.policies },
        state: previous.state,
      }));
      log.info({ scheduleId: definition.scheduleId }, 'schedule updated');
    }
    ids.push(definition.scheduleId);
  }
  return ids;
}

/** Removes the schedules (tests, or a deployment being retired). */
export async function removeSchedules(client: Client, settings: Settings): Promise<void> {
  for (const definition of scheduleDefinitions(settings)) {
    await client.schedule
      .getHandle(definition.scheduleId)
      .delete()
      .catch(() => undefined);
  }
}
