/**
 * One sync job: its objects' runs are the syncs' own (asked of their schedules, so never two at
 * once on a sync); this workflow asks for them and follows them, moving the job's status, woken by
 * a signal when a run starts or ends and polling in case a signal was lost. Long jobs continue as new.
 */
import type { Duration } from '@temporalio/common';
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SyncJobActivities, SyncJobRef } from '../activities/sync-jobs';

const { advanceSyncJob } = proxyActivities<SyncJobActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Sent by the run ledger when a run of one of the job's objects starts or ends (services/sync-jobs/job-runs.ts). */
export const syncJobChangedSignal = defineSignal('syncJobChanged');

/** Steps per execution before continuing as new. */
export const SYNC_JOB_STEPS_PER_EXECUTION = 100;

export interface SyncJobWorkflowInput extends SyncJobRef {
  /** How long to wait for a signal before looking again (default 30 s). */
  pollInterval?: Duration;
}

export async function syncJobWorkflow(input: SyncJobWorkflowInput): Promise<{ status: string }> {
  let changed = false;
  setHandler(syncJobChangedSignal, () => {
    changed = true;
  });
  for (let i = 0; i < SYNC_JOB_STEPS_PER_EXECUTION && !workflowInfo().continueAsNewSuggested; i++) {
    // Cleared before the step: a signal during it makes the wait below return at once.
    changed = false;
    const step = await advanceSyncJob({ jobId: input.jobId });
    if (step.done) return { status: step.status };
    await condition(() => changed, input.pollInterval ?? '30 seconds');
  }
  return continueAsNew<typeof syncJobWorkflow>(input);
}
