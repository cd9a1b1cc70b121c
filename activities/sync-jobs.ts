/** A sync job's activity: the job's step (trigger its pending runs, move its status) over services/sync-jobs. */
import type { ServiceDeps } from '../services/deps';
import { advanceSyncJob, type SyncJobStep } from '../services/sync-jobs/sync-jobs';

export interface SyncJobRef {
  jobId: string;
}

export function createSyncJobActivities(deps: ServiceDeps) {
  return {
    advanceSyncJob: (input: SyncJobRef): Promise<SyncJobStep> => advanceSyncJob(deps, input.jobId),
  };
}

export type SyncJobActivities = ReturnType<typeof createSyncJobActivities>;
