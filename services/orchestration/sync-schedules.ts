/**
 * One Temporal Schedule per sync, id `sync:<sync id>`. The database is the source of
 * truth; everything here is idempotent so the reconciler can repeat it at will.
 */
import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleHandle, type ScheduleOptions, type ScheduleSummary } from '@temporalio/client';
import { TypedSearchAttributes, type Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { searchAttributes } from '../../lib/search-attributes';
import { upsertSchedule } from './schedules';

export const SYNC_SCHEDULE_PREFIX = 'sync:';
export const scheduleIdFor = (syncId: string) => `${SYNC_SCHEDULE_PREFIX}${syncId}`;

export interface SyncScheduleSpec {
  syncId: string;
  applicationId: string;
  connectionId: string;
  customerId: string;
  providerName: string;
  /** 'entity' for an entity sync, whose `object` is the entity's name. */
  objectType: string;
  object: string;
  periodMs: number;
  paused: boolean;
  pauseReason?: string | null;
  /** The sync runs now (auto-start): its first scheduled tick waits at least half a period. */
  startedNow?: boolean;
}

/**
 * Spreads thousands of syncs over their period: the offset is a stable hash of the
 * connection, so a connection's objects start together but connections don't.
 */
export function scheduleOffsetMs(connectionId: string, periodMs: number): number {
  const h = createHash('sha256').update(connectionId).digest().readUInt32BE(0);
  return h % periodMs;
}

const attributePairs = (spec: SyncScheduleSpec) => [
  { key: searchAttributes.applicationId, value: spec.applicationId },
  { key: searchAttributes.customerId, value: spec.customerId },
  { key: searchAttributes.connectionId, value: spec.connectionId },
  { key: searchAttributes.providerName, value: spec.providerName },
  { key: searchAttributes.objectType, value: spec.objectType },
  { key: searchAttributes.object, value: spec.object },
  { key: searchAttributes.syncId, value: spec.syncId },
];

function options(spec: SyncScheduleSpec, taskQueue: string): ScheduleOptions {
  const attrs = new TypedSearchAttributes(attributePairs(spec));
  const memo = {
    description:
      spec.objectType === 'entity'
        ? `${spec.providerName} entity "${spec.object}" for customer ${spec.customerId}`
        : `${spec.providerName} ${spec.objectType} object "${spec.object}" for customer ${spec.customerId}`,
    applicationId: spec.applicationId,
    connectionId: spec.connectionId,
  };
  return {
    scheduleId: scheduleIdFor(spec.syncId),
    spec: {
      intervals: [{ every: spec.periodMs, offset: scheduleOffsetMs(spec.connectionId, spec.periodMs) }],
      // Without this, the connection's phase slot may fall seconds after the run that
      // auto-start triggers, and every object of the connection would sync twice in a row.
      startAt: spec.startedNow ? new Date(Date.now() + Math.floor(spec.periodMs / 2)) : undefined,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'syncRunWorkflow',
      workflowId: scheduleIdFor(spec.syncId),
      taskQueue,
      args: [{ syncId: spec.syncId }],
      typedSearchAttributes: attrs,
      memo,
    },
    // A run never overlaps another of the same sync; a tick or trigger during a run waits for it.
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 minute', pauseOnFailure: false },
    state: { paused: spec.paused, note: spec.paused ? (spec.pauseReason ?? 'paused') : undefined },
    typedSearchAttributes: attrs,
    memo,
  };
}

/** Creates the schedule, or brings an existing one to the spec (interval and paused state). */
export async function upsertSyncSchedule(client: Client, taskQueue: string, spec: SyncScheduleSpec): Promise<'created' | 'updated'> {
  const opts = options(spec, taskQueue);
  return upsertSchedule(client, opts, (handle) => updateTo(handle, opts, spec));
}

/** For a schedule the list showed: brought to the spec without trying a create first; one deleted since is created again. */
export async function updateListedSyncSchedule(client: Client, taskQueue: string, spec: SyncScheduleSpec): Promise<void> {
  const opts = options(spec, taskQueue);
  try {
    await updateTo(client.schedule.getHandle(opts.scheduleId), opts, spec);
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await upsertSyncSchedule(client, taskQueue, spec);
  }
}

function updateTo(handle: ScheduleHandle, opts: ScheduleOptions, spec: SyncScheduleSpec): Promise<void> {
  return handle.update((prev) => ({
    ...prev,
    spec: { ...opts.spec, startAt: opts.spec.startAt ?? prev.spec.startAt },
    action: opts.action,
    policies: { ...prev.policies, ...opts.policies },
    // An update replaces the state too: the paused state comes along, without a pause call of its own.
    state: prev.state.paused === spec.paused ? prev.state : { ...prev.state, paused: spec.paused, note: spec.paused ? (spec.pauseReason ?? 'paused') : 'resumed' },
    // They can change (an entity sync's entity renamed); the schedule's memo cannot be updated.
    typedSearchAttributes: opts.typedSearchAttributes,
  }));
}

export async function deleteSyncSchedule(client: Client, syncId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleIdFor(syncId)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
}

/**
 * An update, not a pause/unpause patch: Temporal's scheduler applies a pending patch before a
 * pending update that reached it in the same workflow task, so an unpause sent right after an
 * update written from a still-paused row (a connection's reconcile, then its resume) ended paused.
 * Updates apply in the order they arrive.
 */
export async function setSyncSchedulePaused(client: Client, syncId: string, paused: boolean, note: string): Promise<void> {
  await client.schedule.getHandle(scheduleIdFor(syncId)).update((prev) => ({ ...prev, state: { ...prev.state, paused, note } }));
}

/** Runs the sync now; during a run it is buffered and runs right after (never dropped). */
export async function triggerSyncSchedule(client: Client, syncId: string): Promise<void> {
  await client.schedule.getHandle(scheduleIdFor(syncId)).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
}

/**
 * Sync schedules on the namespace that belong to the given applications, by sync id, as the list
 * shows them (for the reconciler: a namespace may be shared, so never touch others' schedules).
 */
export async function listSyncSchedules(client: Client, applicationIds: Set<string>): Promise<Map<string, ScheduleSummary>> {
  const found = new Map<string, ScheduleSummary>();
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith(SYNC_SCHEDULE_PREFIX)) continue;
    const app = s.typedSearchAttributes?.get(searchAttributes.applicationId);
    if (app && applicationIds.has(app)) found.set(s.scheduleId.slice(SYNC_SCHEDULE_PREFIX.length), s);
  }
  return found;
}

/**
 * Whether a listed schedule already matches the spec in everything the list shows (interval,
 * offset, paused state, workflow type, search attributes): then the reconciler leaves it alone
 * instead of spending four calls on it. The task queue is not in the list; see startReconciler.
 */
export function scheduleMatches(summary: ScheduleSummary, spec: SyncScheduleSpec): boolean {
  const intervals = summary.spec?.intervals ?? [];
  const [interval] = intervals;
  if (intervals.length !== 1 || !interval) return false;
  if (msOf(interval.every) !== spec.periodMs || msOf(interval.offset ?? 0) !== scheduleOffsetMs(spec.connectionId, spec.periodMs)) return false;
  if (summary.state.paused !== spec.paused || summary.action?.workflowType !== 'syncRunWorkflow') return false;
  return attributePairs(spec).every((p) => summary.typedSearchAttributes?.get(p.key) === p.value);
}

const msOf = (d: Duration) => (typeof d === 'number' ? d : msToNumber(d));
