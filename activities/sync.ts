/**
 * Activities of one sync run: Temporal adapters over the sync engine (services/syncs). They add
 * what only an activity knows: its workflow's identity, heartbeats, cancellation, and how a
 * failure is presented to Temporal's retry policy. Records never pass through workflow payloads.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, failureMessage } from '../lib/errors';
import { keepHeartbeating } from './heartbeat';
import { runSyncChunk, type ChunkResult, type ChunkStatus, type SyncEngineDeps } from '../services/syncs/chunk';
import { finishSyncRun, pauseSyncForError, startSyncRun, type StartRunResult } from '../services/syncs/run-ledger';
import { takeChunkSlot, type ChunkSlotSettings } from '../services/syncs/tenant-slots';
import { PAUSING_FAILURE } from '../workflows/sync-failures';
import type { ChunkSlotRefusal } from '../workflows/tenant-slots';

export type { ChunkResult, StartRunResult };
export interface SyncActivityDeps extends SyncEngineDeps {
  /** The tenants' caps on running chunks (SYNC_MAX_RUNNING_CHUNKS_PER_*); absent: no caps. */
  chunkSlots?: ChunkSlotSettings;
}

/** A chunk that ran, or one that did not start because its tenant had no slot free. */
export type ChunkAttempt = ChunkResult | { throttled: ChunkSlotRefusal };

/**
 * Rethrows as Temporal should see it: a domain error no retry can fix fails the chunk on its first
 * attempt, as PAUSING_FAILURE when the sync must pause (the workflow pauses on that type); anything
 * else (our database, a lost connection) and retryable domain errors are retried.
 */
function rethrow(err: unknown): never {
  if (!(err instanceof DomainError)) throw err instanceof Error ? err : new Error(String(err));
  const message = failureMessage(err);
  if (err.pausesSync) throw ApplicationFailure.nonRetryable(message, PAUSING_FAILURE);
  throw ApplicationFailure.create({ message, type: err.name, nonRetryable: !err.retryable });
}

export function createSyncActivities(deps: SyncActivityDeps) {
  return {
    /** Opens the run of this workflow (the same run again when retried after it committed). */
    async startSyncRun(input: { syncId: string }): Promise<StartRunResult> {
      return startSyncRun(deps, input.syncId, Context.current().info.workflowExecution?.runId ?? null);
    },

    /**
     * With `tenantSlot` (workflows that can wait for one), the chunk first takes a slot of its
     * tenant's; refused, it returns at once so the workflow waits without holding a worker slot.
     */
    async syncChunk(input: { syncId: string; runId: string; tenantSlot?: { waitingSince?: string } }): Promise<ChunkAttempt> {
      const activity = Context.current();
      const slot =
        input.tenantSlot && deps.chunkSlots
          ? await takeChunkSlot(deps, deps.chunkSlots, {
              runId: input.runId,
              workflowId: activity.info.workflowExecution!.workflowId,
              waitingSince: input.tenantSlot.waitingSince,
              heartbeatTimeoutMs: activity.info.heartbeatTimeoutMs ?? 60_000,
            })
          : undefined;
      if (slot && !slot.granted) return { throttled: slot.refusal };
      let latest: ChunkStatus = { phase: 'opening' };
      // For the whole chunk, reads, Retry-After waits and writes alike: the providers' and writers'
      // own timeouts and the start-to-close timeout bound a stuck provider or destination.
      activity.heartbeat({ ...latest });
      const stopHeartbeating = keepHeartbeating(activity, () => ({ ...latest }));
      try {
        return await runSyncChunk(deps, input, {
          signal: activity.cancellationSignal,
          report(status, urgent) {
            latest = status;
            if (urgent) activity.heartbeat({ ...status });
          },
        });
      } catch (err) {
        rethrow(err);
      } finally {
        stopHeartbeating();
        await slot?.slot.release();
      }
    },

    async finishSyncRun(input: { syncId: string; runId: string; success: boolean; error?: string }): Promise<{ numRecordsSynced: number }> {
      return finishSyncRun(deps, input);
    },

    async pauseSyncForError(input: { syncId: string; runId: string; reason: string }): Promise<void> {
      return pauseSyncForError(deps, input);
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
