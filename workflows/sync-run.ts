/**
 * One run of one sync, started by the sync's Schedule (or a trigger). Carries only ids,
 * counts and the cursor; the data moves inside syncChunk activities. Long runs
 * continue-as-new so history stays bounded however many records the object has.
 */
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { SyncActivities } from '../activities/sync';
import { PAUSING_FAILURE, SYNC_DELETED_FAILURE } from './sync-failures';
import { TENANT_SLOT_FREE_SIGNAL } from './tenant-slots';

const lifecycle = proxyActivities<SyncActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});

const chunkActivities = (heartbeatTimeout: Duration) =>
  proxyActivities<SyncActivities>({
    startToCloseTimeout: '15 minutes',
    // A stuck provider or a dead worker stops the heartbeats: the attempt fails and is retried.
    heartbeatTimeout,
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: 8,
      nonRetryableErrorTypes: [PAUSING_FAILURE, SYNC_DELETED_FAILURE],
    },
  });

export interface SyncRunInput {
  syncId: string;
  /** Set when continuing a run as new. */
  runId?: string;
  strategy?: 'full' | 'incremental';
  /**
   * How long a chunk may go without a heartbeat (default 10 s). Chunks heartbeat every quarter
   * of it for as long as they run, so this is how soon a dead worker's chunk is retried elsewhere.
   */
  heartbeatTimeout?: Duration;
  /** What earlier executions of this run did, so the `progress` query keeps counting across continue-as-new. */
  carried?: { records: number; batches: number; cursor: string | null };
  /** Set when continuing as new while waiting for a chunk slot: the run's place in its tenant's line. */
  waitingSince?: string;
}

export type SyncRunResult =
  | { status: 'skipped'; reason: 'paused' | 'deleted' }
  | { status: 'SUCCESS' | 'FAILURE'; runId: string; strategy: 'full' | 'incremental'; numRecordsSynced: number; error?: string; paused?: boolean };

export interface SyncProgress {
  /** `waiting`: the next chunk waits for a slot of its tenant's (services/syncs/tenant-slots.ts). */
  phase: 'starting' | 'syncing' | 'waiting' | 'finishing' | 'done';
  runId?: string;
  strategy?: 'full' | 'incremental';
  records: number;
  batches: number;
  /** The incremental lower bound this run reads from (ISO), null for a full run. */
  cursor: string | null;
}

export const syncProgressQuery = defineQuery<SyncProgress>('progress');

/** Chunks per workflow execution before continuing as new (history stays small). */
export const CHUNKS_PER_EXECUTION = 50;

/**
 * continueAsNew throws ContinueAsNew; called inside the try below it was taken for a failure and
 * the run finished as FAILURE. Runs that reached that point before the fix replay as they ran.
 */
const CONTINUE_AS_NEW_OUTSIDE_TRY = 'sync-run-continue-as-new-outside-try';

/**
 * Chunks ask for a slot of their tenant's and, refused, the run waits on a timer or a wake-up
 * signal (a new timer command). Executions that started their chunk loop before it run unthrottled
 * to their end or their next continue-as-new, as they did.
 */
const TENANT_SLOTS = 'sync-run-tenant-slots';

const tenantSlotFreeSignal = defineSignal(TENANT_SLOT_FREE_SIGNAL);

function failureMessage(err: unknown): { message: string; type?: string } {
  let e: unknown = err;
  if (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return { message: e.message, type: e.type ?? undefined };
  return { message: e instanceof Error ? e.message : String(e) };
}

export async function syncRunWorkflow(input: SyncRunInput): Promise<SyncRunResult> {
  const { records = 0, batches = 0, cursor = null } = input.carried ?? {};
  const progress: SyncProgress = { phase: 'starting', runId: input.runId, strategy: input.strategy, records, batches, cursor };
  setHandler(syncProgressQuery, () => progress);
  let slotFree = false;
  setHandler(tenantSlotFreeSignal, () => {
    slotFree = true;
  });

  const chunks = chunkActivities(input.heartbeatTimeout ?? '10 seconds');
  let runId = input.runId;
  let strategy = input.strategy;
  if (!runId) {
    const started = await lifecycle.startSyncRun({ syncId: input.syncId });
    if (started.skipped) {
      progress.phase = 'done';
      return { status: 'skipped', reason: started.skipped };
    }
    runId = started.runId;
    strategy = started.strategy;
    progress.cursor = started.cursor;
  }
  Object.assign(progress, { runId, strategy, phase: 'syncing' });

  let continueRun = false;
  const slotted = patched(TENANT_SLOTS);
  let waitingSince = input.waitingSince;
  try {
    // Each chunk, and each wait for a slot, counts towards the execution's length.
    for (let i = 0; ; i++) {
      slotFree = false;
      const chunk = await chunks.syncChunk({ syncId: input.syncId, runId, ...(slotted ? { tenantSlot: { waitingSince } } : {}) });
      if ('throttled' in chunk) {
        progress.phase = 'waiting';
        waitingSince = chunk.throttled.waitingSince;
        await condition(() => slotFree, chunk.throttled.retryInMs);
      } else {
        progress.phase = 'syncing';
        waitingSince = undefined;
        progress.records = chunk.records;
        progress.batches = chunk.seq;
        if (chunk.done) break;
      }
      if (i + 1 >= CHUNKS_PER_EXECUTION || workflowInfo().continueAsNewSuggested) {
        if (patched(CONTINUE_AS_NEW_OUTSIDE_TRY)) {
          continueRun = true;
          break;
        }
        await continueAsNew<typeof syncRunWorkflow>({ ...input, runId, strategy });
      }
    }
  } catch (err) {
    const { message, type } = failureMessage(err);
    progress.phase = 'finishing';
    const paused = type === PAUSING_FAILURE;
    if (paused) await lifecycle.pauseSyncForError({ syncId: input.syncId, runId, reason: message });
    const { numRecordsSynced } = await lifecycle.finishSyncRun({ syncId: input.syncId, runId, success: false, error: message });
    progress.phase = 'done';
    return { status: 'FAILURE', runId, strategy: strategy!, numRecordsSynced, error: message, paused };
  }

  if (continueRun) {
    const carried = { records: progress.records, batches: progress.batches, cursor: progress.cursor };
    return continueAsNew<typeof syncRunWorkflow>({ ...input, runId, strategy, carried, waitingSince });
  }

  progress.phase = 'finishing';
  const { numRecordsSynced } = await lifecycle.finishSyncRun({ syncId: input.syncId, runId, success: true });
  progress.phase = 'done';
  progress.records = numRecordsSynced;
  return { status: 'SUCCESS', runId, strategy: strategy!, numRecordsSynced };
}
