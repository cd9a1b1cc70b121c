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
import { PAUSING_FAILURE } from '../workflows/sync-failures';

export type { ChunkResult, StartRunResult };
export type SyncActivityDeps = SyncEngineDeps;

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

    async syncChunk(input: { syncId: string; runId: string }): Promise<ChunkResult> {
      const activity = Context.current();
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
