import { ScheduleOverlapPolicy, type ScheduleOptionsAction } from '@temporalio/client';
import { listApplicationIds } from '../../db/repositories/applications';
import { listSyncsWithContext } from '../../db/repositories/syncs';
import type { ServiceDeps } from '../deps';
import { loadSyncContext, syncContextOf } from '../syncs/context';
import { scheduleSpec } from '../syncs/syncs';
import { upsertSchedule } from './schedules';
import { deleteSyncSchedule, listSyncSchedules, scheduleMatches, updateListedSyncSchedule, upsertSyncSchedule, type SyncScheduleSpec } from './sync-schedules';

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
export async function startReconciler(deps: ServiceDeps, everyMs = DEFAULT_RECONCILE_EVERY_MS): Promise<ReconcileResult & { force: boolean }> {
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
  return { ...result, force };
}

/** Schedules written (created or brought to their row), left alone, and deleted as orphans. */
export interface ReconcileResult {
  upserted: number;
  unchanged: number;
  deleted: number;
}

/** Sync rows read per query. */
const SYNC_PAGE = 1000;
/**
 * Schedule calls in flight at once. One at a time, 10,000 schedules took minutes; many more and a
 * loaded frontend times describes out (a schedule's describe waits behind the schedule's own work).
 */
const SCHEDULE_CALLS_IN_FLIGHT = 8;

/**
 * Makes Temporal match the database: every sync has a schedule with the right interval
 * and paused state; schedules of this database's applications without a sync row are
 * deleted. Idempotent. One paged list shows what already matches, so a steady state costs
 * no per-sync Temporal call; `force` re-applies every schedule (e.g. the task queue changed,
 * which the list does not show).
 */
export async function reconcileAllSyncSchedules(deps: Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>, opts: { force?: boolean } = {}): Promise<ReconcileResult> {
  const { client, taskQueue } = deps.temporal;
  // Listed before the rows are read: a sync created in between then has a row and no listed
  // schedule (an upsert, harmless), never a listed schedule without its row (deleted as an orphan).
  const existing = await listSyncSchedules(client, new Set(await listApplicationIds(deps.db)));
  const known = new Set<string>();
  const stale: Array<{ spec: SyncScheduleSpec; listed: boolean }> = [];
  for (let after: string | undefined; ; ) {
    const rows = await listSyncsWithContext(deps.db, after, SYNC_PAGE);
    for (const row of rows) {
      const ctx = syncContextOf(row);
      known.add(ctx.id);
      const spec = scheduleSpec(ctx, ctx.strategy);
      const listed = existing.get(ctx.id);
      if (opts.force || !listed || !scheduleMatches(listed, spec)) stale.push({ spec, listed: listed !== undefined });
    }
    if (rows.length < SYNC_PAGE) break;
    after = rows.at(-1)!.id;
  }
  const orphans = [...existing.keys()].filter((id) => !known.has(id));
  await inFlight(deps, stale, async ({ spec: read, listed }) => {
    // The pages were read before any of these calls; a pause, resume or edit committed since then
    // (its own Temporal call may already have landed) must not be undone by the older row.
    const ctx = await loadSyncContext(deps.db, read.syncId);
    if (!ctx) return;
    const spec = scheduleSpec(ctx, ctx.strategy);
    await (listed ? updateListedSyncSchedule(client, taskQueue, spec) : upsertSyncSchedule(client, taskQueue, spec));
  });
  await inFlight(deps, orphans, (id) => deleteSyncSchedule(client, id));
  return { upserted: stale.length, unchanged: known.size - stale.length, deleted: orphans.length };
}

/**
 * `call` on every item, SCHEDULE_CALLS_IN_FLIGHT at a time. The calls that failed (a frontend
 * under load times some out) get a second try one at a time, up to the first that fails again.
 */
async function inFlight<T>(deps: Pick<ServiceDeps, 'logger'>, items: T[], call: (item: T) => Promise<unknown>): Promise<void> {
  const failed = await settle(items, SCHEDULE_CALLS_IN_FLIGHT, call);
  if (!failed.length) return;
  deps.logger.warn({ failed: failed.length, err: (failed[0]!.err as Error).message }, 'schedule calls failed; trying them again one at a time');
  for (const { item } of failed) await call(item);
}

async function settle<T>(items: T[], n: number, call: (item: T) => Promise<unknown>): Promise<Array<{ item: T; err: unknown }>> {
  const failed: Array<{ item: T; err: unknown }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await call(item).catch((err) => failed.push({ item, err }));
      }
    }),
  );
  return failed;
}
