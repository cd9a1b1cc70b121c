import { ScheduleOverlapPolicy, type ScheduleOptionsAction } from '@temporalio/client';
import type { ServiceDeps } from '../deps';
import { upsertSchedule } from './schedules';
import { reconcileAllSyncSchedules } from '../syncs/syncs';

export const RECONCILER_SCHEDULE_ID = 'syncwell:reconciler';
/**
 * Hourly: 24 executions a day in the Temporal UI (every 10 min made 144, more than an hourly
 * sync's runs). What it repairs is rare and needs no minute-level latency: a process that died
 * between a database commit and its Temporal call, or a Temporal call that failed after the
 * commit (logged "the reconciler will"); every worker start repairs at once too.
 */
export const DEFAULT_RECONCILE_EVERY_MS = 60 * 60_000;

/**
 * At worker start: make sure the periodic reconciler exists (it catches a process that died
 * between a database write and its Temporal call), and repair drift once now. The reconciler's
 * own schedule remembers the task queue the sync schedules were last written for: when this
 * worker's queue differs (the setting changed), every sync schedule is re-applied, since the
 * schedule list the cheap reconcile reads does not show task queues.
 */
export async function startReconciler(deps: ServiceDeps, everyMs = DEFAULT_RECONCILE_EVERY_MS): Promise<void> {
  const spec = { intervals: [{ every: everyMs }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'reconcileSchedulesWorkflow',
    workflowId: RECONCILER_SCHEDULE_ID,
    taskQueue: deps.temporal.taskQueue,
    args: [],
  };
  // A new reconciler schedule cannot say which queue the sync schedules were written for.
  let force = true;
  const options = {
    scheduleId: RECONCILER_SCHEDULE_ID,
    spec,
    action,
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    memo: { description: 'Keeps one Temporal Schedule per sync row, with the right interval and paused state' },
  };
  await upsertSchedule(deps.temporal.client, options, async (handle) => {
    const { action: current, spec: currentSpec } = await handle.describe();
    force = current.taskQueue !== deps.temporal.taskQueue;
    // An existing deployment's schedule may still have an earlier interval.
    const sameInterval = currentSpec.intervals?.length === 1 && currentSpec.intervals[0]!.every === everyMs;
    if (force || !sameInterval) await handle.update((prev) => ({ ...prev, spec, action }));
  });
  const result = await reconcileAllSyncSchedules(deps, { force });
  deps.logger.info({ ...result, force }, 'sync schedules reconciled');
}
