import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { ServiceDeps } from './deps';
import { reconcileAllSyncSchedules } from './syncs';

export const RECONCILER_SCHEDULE_ID = 'syncwell:reconciler';

/**
 * At worker start: repair drift once now, and make sure the periodic reconciler exists
 * (it catches a process that died between a database write and its Temporal call).
 */
export async function startReconciler(deps: ServiceDeps, everyMs = 10 * 60_000): Promise<void> {
  try {
    await deps.temporal.client.schedule.create({
      scheduleId: RECONCILER_SCHEDULE_ID,
      spec: { intervals: [{ every: everyMs }] },
      action: { type: 'startWorkflow', workflowType: 'reconcileSchedulesWorkflow', workflowId: RECONCILER_SCHEDULE_ID, taskQueue: deps.temporal.taskQueue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { description: 'Keeps one Temporal Schedule per sync row, with the right interval and paused state' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const result = await reconcileAllSyncSchedules(deps);
  deps.logger.info(result, 'sync schedules reconciled');
}
