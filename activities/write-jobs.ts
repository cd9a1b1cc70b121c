/** A write job's activities: adapters over services/writes/write-job-runner with heartbeats and Temporal's view of failures. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, failureMessage } from '../lib/errors';
import type { HttpRuntime } from '../providers/runtime';
import type { ServiceDeps } from '../services/deps';
import { finishWriteJob, runWriteJobChunk, type WriteChunkProgress, type WriteChunkResult, type WriteJobSummary } from '../services/writes/write-job-runner';
import type { WriteJobInputRef } from '../services/writes/write-jobs';
import { keepHeartbeating } from './heartbeat';
import { WRITE_JOB_FATAL } from '../workflows/write-job-failures';

export type { WriteChunkResult, WriteJobInputRef, WriteJobSummary };

export function createWriteJobActivities(deps: ServiceDeps & { httpRuntime?: HttpRuntime; writeChunkBudgetMs?: number }) {
  return {
    async writeJobChunk(input: WriteJobInputRef): Promise<WriteChunkResult> {
      const activity = Context.current();
      let latest: WriteChunkProgress = { written: 0 };
      activity.heartbeat(latest);
      const stop = keepHeartbeating(activity, () => latest);
      try {
        return await runWriteJobChunk(deps, input.jobId, {
          budgetMs: deps.writeChunkBudgetMs ?? 60_000,
          signal: activity.cancellationSignal,
          runtime: deps.httpRuntime,
          report: (p) => {
            latest = p;
          },
        });
      } catch (err) {
        if (err instanceof DomainError && !err.retryable) throw ApplicationFailure.nonRetryable(failureMessage(err), WRITE_JOB_FATAL);
        throw err instanceof Error ? err : new Error(String(err));
      } finally {
        stop();
      }
    },

    finishWriteJob: (input: WriteJobInputRef & { error?: string }): Promise<WriteJobSummary> => finishWriteJob(deps, input.jobId, input.error),
  };
}

export type WriteJobActivities = ReturnType<typeof createWriteJobActivities>;
