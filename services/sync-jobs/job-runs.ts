/**
 * Where sync jobs meet the run ledger: a run that opens takes its sync's oldest pending job object
 * (so a job's runs go through the sync's schedule, which never overlaps two runs of one sync), and
 * a run that closes closes that object. Both happen in the ledger's own transactions.
 */
import * as repo from '../../db/repositories/sync-jobs';
import type { Db } from '../../db/connection';
import type { ServiceDeps } from '../deps';
import { splitWindow, type BackfillProgress } from '../syncs/backfill';

export const syncJobWorkflowId = (jobId: string) => `sync-job:${jobId}`;
/** The signal that wakes a job's workflow when one of its objects' runs started or ended. */
export const SYNC_JOB_CHANGED_SIGNAL = 'syncJobChanged';

export interface JobRunRequest {
  jobId: string;
  seq: number;
  /** Clear the sync's state before the run: it is then full. */
  resetState: boolean;
  strategy?: 'full';
  backfill?: BackfillProgress;
}

/** The job object this sync's opening run carries out, if one is pending (locked until the transaction ends). */
export async function takeJobRunRequest(trx: Db, syncId: string): Promise<JobRunRequest | undefined> {
  const o = await repo.takePendingJobObject(trx, syncId);
  if (!o) return undefined;
  return {
    jobId: o.job_id,
    seq: o.seq,
    resetState: o.reset_source_state,
    ...(o.full_sync || o.reset_source_state ? { strategy: 'full' as const } : {}),
    ...(o.window_start && o.window_end ? { backfill: { bounds: splitWindow(new Date(o.window_start), new Date(o.window_end)), index: 0 } } : {}),
  };
}

export function markJobRunStarted(trx: Db, request: JobRunRequest, runId: string): Promise<void> {
  return repo.setJobObjectStatus(trx, { job_id: request.jobId, seq: request.seq }, { status: 'running', run_id: runId });
}

/** Closes the job object of a run that ended; returns its job to notify. */
export async function closeJobRun(trx: Db, runId: string, outcome: { success: boolean; records: number; error: string | null }): Promise<string | undefined> {
  const closed = await repo.finishJobObjectOfRun(trx, runId, { status: outcome.success ? 'succeeded' : 'failed', processed_rows: outcome.records, error: outcome.error });
  return closed?.job_id;
}

/** Jobs with an object queued on this sync: the end of its run may let theirs start. */
export function jobsWaitingOn(db: Db, syncId: string): Promise<string[]> {
  return repo.jobsPendingOnSync(db, syncId);
}

/** Wakes the jobs' workflows; a lost signal only delays a job until its next poll. */
export async function notifySyncJobs(deps: Pick<ServiceDeps, 'temporal' | 'logger'>, jobIds: Iterable<string>): Promise<void> {
  for (const id of new Set(jobIds)) {
    await deps.temporal.client.workflow
      .getHandle(syncJobWorkflowId(id))
      .signal(SYNC_JOB_CHANGED_SIGNAL)
      .catch((err) => deps.logger.debug({ err: (err as Error).message, jobId: id }, 'sync job not signalled; it polls'));
  }
}

/** Before a run opens (and closes its sync's open runs as interrupted): their job objects fail with them. */
export async function failInterruptedJobRuns(trx: Db, syncId: string): Promise<string[]> {
  const rows = await repo.failJobObjectsOfOpenRuns(trx, syncId, 'run was interrupted: its workflow ended without finishing it');
  return rows.map((r) => r.job_id);
}
