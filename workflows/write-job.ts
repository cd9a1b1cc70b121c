/**
 * A write job: chunks of batches (each chunk an activity attempt that commits every batch's
 * outcomes as it goes) until no record is left, then the job is finished and announced. A chunk
 * that fails for good (credentials, an object the provider lacks, or retries exhausted) finishes
 * the job failed, with the records not yet written left pending. Long jobs continue as new.
 */
import type { Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { WriteChunkResult, WriteJobActivities, WriteJobInputRef, WriteJobSummary } from '../activities/write-jobs';
import { WRITE_JOB_FATAL } from './write-job-failures';

const chunkActivities = (heartbeatTimeout: Duration) =>
  proxyActivities<WriteJobActivities>({
    // A chunk writes for about a minute; Retry-After waits heartbeat.
    startToCloseTimeout: '15 minutes',
    // A dead worker stops the heartbeats: its chunk is retried elsewhere this soon.
    heartbeatTimeout,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10, nonRetryableErrorTypes: [WRITE_JOB_FATAL] },
  });

const bookkeeping = proxyActivities<WriteJobActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 30 },
});

/** Chunks per execution before continuing as new, to keep histories small. */
export const WRITE_CHUNKS_PER_EXECUTION = 100;

function reason(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}

export interface WriteJobWorkflowInput extends WriteJobInputRef {
  /** How soon a dead worker's chunk is retried elsewhere (default 10 s; the chunk heartbeats every quarter of it). */
  heartbeatTimeout?: Duration;
}

export async function writeJobWorkflow(input: WriteJobWorkflowInput): Promise<WriteJobSummary> {
  const chunks = chunkActivities(input.heartbeatTimeout ?? '10 seconds');
  for (let i = 0; i < WRITE_CHUNKS_PER_EXECUTION; i++) {
    let result: WriteChunkResult;
    try {
      result = await chunks.writeJobChunk(input);
    } catch (err) {
      return bookkeeping.finishWriteJob({ jobId: input.jobId, error: reason(err) });
    }
    if (result.done) return bookkeeping.finishWriteJob({ jobId: input.jobId });
  }
  return continueAsNew<typeof writeJobWorkflow>(input);
}
