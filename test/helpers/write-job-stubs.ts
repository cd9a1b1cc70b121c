/**
 * Stub write job activities for workflow tests and replay fixtures: `chunks` chunks, the last one
 * done; optionally a chunk that fails (retryably for some attempts, or fatally).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WriteJobActivities } from '../../activities/write-jobs';
import { WRITE_JOB_FATAL } from '../../workflows/write-job-failures';

export interface WriteJobStubOptions {
  chunks: number;
  failAt?: { chunk: number; kind: 'transient'; attempts: number } | { chunk: number; kind: 'fatal' };
}

export function stubWriteJobActivities(opts: WriteJobStubOptions) {
  const calls = { chunks: 0, finished: [] as Array<{ error?: string }> };
  let done = 0;
  const activities: WriteJobActivities = {
    async writeJobChunk() {
      calls.chunks++;
      const chunk = done + 1;
      if (opts.failAt?.chunk === chunk) {
        if (opts.failAt.kind === 'fatal') throw ApplicationFailure.nonRetryable('HubSpot refused the token (check the connection credentials)', WRITE_JOB_FATAL);
        if (Context.current().info.attempt <= opts.failAt.attempts) throw new Error(`chunk ${chunk} lost`);
      }
      done++;
      return { done: done >= opts.chunks, written: 100 };
    },
    async finishWriteJob(input) {
      calls.finished.push(input.error !== undefined ? { error: input.error } : {});
      const failed = input.error !== undefined;
      return { status: failed ? 'failed' : 'succeeded', records_total: opts.chunks * 100, records_succeeded: done * 100, records_failed: 0, records_unknown: 0 };
    },
  };
  return { activities, calls };
}
