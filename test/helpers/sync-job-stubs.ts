/**
 * Stub sync job activities for workflow tests and replay fixtures: the job is done at step
 * `steps`, moving JOB_CREATED → SYNC_STARTED → … on the way; optionally a step whose first
 * attempts are lost.
 */
import { Context } from '@temporalio/activity';
import type { SyncJobActivities } from '../../activities/sync-jobs';

export interface SyncJobStubOptions {
  steps: number;
  lostAt?: { step: number; attempts: number };
}

export function stubSyncJobActivities(opts: SyncJobStubOptions) {
  const calls = { attempts: 0, steps: 0 };
  const activities: SyncJobActivities = {
    async advanceSyncJob() {
      calls.attempts++;
      const step = calls.steps + 1;
      if (opts.lostAt?.step === step && Context.current().info.attempt <= opts.lostAt.attempts) throw new Error(`step ${step} lost`);
      calls.steps++;
      if (step >= opts.steps) return { done: true, status: 'JOB_COMPLETED' };
      return { done: false, status: step === 1 ? 'JOB_CREATED' : 'SYNC_STARTED' };
    },
  };
  return { activities, calls };
}
