/**
 * The sync-run ledger: opening a run (idempotent per workflow), closing it (destination finish,
 * cursor, sync.complete, in one transaction), and the auto-pauses: after an error no retry fixes,
 * and after too many failed runs in a row.
 */
import * as runs from '../../db/repositories/sync-runs';
import * as syncsRepo from '../../db/repositories/syncs';
import { failureMessage } from '../../lib/errors';
import type { WriterCache } from '../../destinations/registry';
import type { DestinationWriter } from '../../destinations/types';
import type { ServiceDeps } from '../deps';
import { loadDestinationWithSecrets } from '../destinations/destinations';
import { recordEvent } from '../webhooks/events';
import { loadSyncContext, runStrategyFor, syncEventSubject, writeTarget, type SyncContext } from './context';
import { nextSyncState, type SyncState } from './plan';
import type { RunProgress } from './records';
import { setSyncPaused } from './syncs';
import { closeJobRun, failInterruptedJobRuns, jobsWaitingOn, markJobRunStarted, notifySyncJobs, takeJobRunRequest } from '../sync-jobs/job-runs';
import { subWindowStart } from './backfill';

export interface RunLedgerDeps extends ServiceDeps {
  /** One writer (pool) per destination per worker. */
  writers: WriterCache;
  /** Consecutive failed runs after which a sync pauses itself (SYNC_AUTO_PAUSE_AFTER_FAILURES). */
  autoPauseAfterFailures?: number;
}

const DEFAULT_AUTO_PAUSE_AFTER_FAILURES = 10;

export type StartRunResult = { skipped: 'paused' | 'deleted' } | { skipped?: undefined; runId: string; strategy: 'full' | 'incremental'; cursor: string | null };

export async function openSyncWriter(deps: RunLedgerDeps, ctx: SyncContext): Promise<DestinationWriter> {
  const destination = await loadDestinationWithSecrets(deps, ctx.application_id, ctx.destination_id);
  const writer = deps.writers.get(destination);
  const { metrics } = deps;
  if (!metrics) return writer;
  // The writer is the cache's (shared by every run to this destination): timed through a wrapper, never changed.
  return {
    storesRawJson: writer.storesRawJson,
    ...(writer.holdsRecordsBefore && { holdsRecordsBefore: writer.holdsRecordsBefore.bind(writer) }),
    prepare: (target) => writer.prepare(target),
    writeBatch: (target, batch) => metrics.timeDestinationWrite(destination.type, 'batch', () => writer.writeBatch(target, batch)),
    finishRun: (target, run) => metrics.timeDestinationWrite(destination.type, 'finish', () => writer.finishRun(target, run)),
    test: () => writer.test(),
    close: () => writer.close(),
  };
}

/**
 * Opens a run: skips paused or deleted syncs, picks the strategy, writes the IN_PROGRESS row.
 * `workflowRunId` (the first execution of the run's workflow) makes it idempotent: a retry
 * after the insert committed continues that run instead of opening another.
 */
export async function startSyncRun(deps: ServiceDeps, syncId: string, workflowRunId: string | null): Promise<StartRunResult> {
  const own = workflowRunId ? await runs.findRunOfWorkflow(deps.db, workflowRunId) : undefined;
  const ctx = await loadSyncContext(deps.db, syncId);
  if (own) return { runId: own.id, strategy: own.strategy, cursor: own.strategy === 'incremental' ? (ctx?.state.cursor ?? null) : null };
  if (!ctx) return { skipped: 'deleted' };
  if (ctx.paused) return { skipped: 'paused' };
  const { opened, notify } = await deps.db.transaction().execute(async (trx) => {
    // Planned from the state read under the sync's row lock: a state change (PUT _state) either commits
    // first and is read here, or waits and then sees this run in progress (services/syncs/state.ts).
    let state = ((await syncsRepo.lockSyncState(trx, ctx.id)) ?? ctx.state) as SyncState;
    // A sync job's pending object is carried out by the sync's next run, whichever started it.
    const job = await takeJobRunRequest(trx, ctx.id);
    if (job?.resetState) {
      state = {};
      await syncsRepo.setSyncState(trx, ctx.id, state, new Date());
    }
    const strategy = job?.strategy ?? (job?.backfill ? 'incremental' : runStrategyFor({ ...ctx, state }));
    const progress: RunProgress = {
      pageState: null,
      seq: 0,
      done: false,
      maxLastModified: null,
      maxRecords: {},
      fullRefreshRequestAtStart: state.full_refresh_request_id ?? null,
      ...(job?.backfill ? { backfill: job.backfill } : {}),
    };
    const interrupted = await failInterruptedJobRuns(trx, ctx.id);
    const run = await runs.openSyncRun(trx, {
      application_id: ctx.application_id,
      sync_id: ctx.id,
      connection_id: ctx.connection_id,
      customer_id: ctx.customer_id,
      provider_name: ctx.provider_name,
      category: ctx.category,
      object_type: ctx.object_type,
      object: ctx.object,
      entity_id: ctx.entity_id,
      status: 'IN_PROGRESS',
      strategy,
      start_timestamp: new Date(),
      progress: JSON.stringify(progress),
      workflow_run_id: workflowRunId,
      sync_job_id: job?.jobId ?? null,
    });
    if (job) await markJobRunStarted(trx, job, run.id);
    const cursor = job?.backfill ? subWindowStart(job.backfill).toISOString() : strategy === 'incremental' ? (state.cursor ?? null) : null;
    return { opened: { runId: run.id, strategy, cursor }, notify: [...interrupted, ...(job ? [job.jobId] : [])] };
  });
  await notifySyncJobs(deps, notify);
  return opened;
}

/** Closes a run: destination finish (soft deletes after a successful full run), ledger, cursor, sync.complete. */
export async function finishSyncRun(deps: RunLedgerDeps, input: { syncId: string; runId: string; success: boolean; error?: string }): Promise<{ numRecordsSynced: number }> {
  const run = await runs.getSyncRun(deps.db, input.runId);
  // The sync (and its runs, by cascade) was deleted mid-run: nothing left to close. Throwing
  // here would only retry for minutes and then fail the workflow.
  if (!run) return { numRecordsSynced: 0 };
  if (run.status !== 'IN_PROGRESS') return { numRecordsSynced: run.num_records_synced };
  const ctx = await loadSyncContext(deps.db, input.syncId);
  const progress = run.progress as unknown as RunProgress;
  let success = input.success;
  let error = input.error ?? null;
  if (ctx && success) {
    try {
      const writer = await openSyncWriter(deps, ctx);
      await writer.finishRun(writeTarget(ctx), {
        runId: run.id,
        strategy: run.strategy,
        success,
        runStartedAt: run.start_timestamp,
        numRecordsSynced: run.num_records_synced,
        cursor: progress.maxLastModified,
        startedEmpty: progress.startedEmpty === true,
      });
    } catch (err) {
      success = false;
      error = `finishing the run at the destination failed: ${failureMessage(err)}`;
    }
  }
  const finishedAt = new Date();
  let failedInARow = 0;
  const jobId = await deps.db.transaction().execute(async (trx) => {
    await runs.closeSyncRun(trx, run.id, { success, error, at: finishedAt });
    const job = run.sync_job_id ? await closeJobRun(trx, run.id, { success, records: run.num_records_synced, error }) : undefined;
    if (!ctx) return job;
    // A backfill read one window of the past: the cursor stays where the sync's own runs left it.
    if (!progress.backfill) {
      // The state as it is now, locked: a full refresh requested during the run is not overwritten.
      const current = ((await syncsRepo.lockSyncState(trx, ctx.id)) ?? ctx.state) as SyncState;
      failedInARow = success ? 0 : (current.consecutive_failed_runs ?? 0) + 1;
      const next = nextSyncState(current, {
        strategy: run.strategy,
        success,
        maxLastModified: progress.maxLastModified,
        maxRecords: progress.maxRecords,
        finishedAt: finishedAt.toISOString(),
        fullRefreshRequestAtStart: progress.fullRefreshRequestAtStart,
      });
      const { consecutive_failed_runs: _, ...rest } = next;
      const state: SyncState = failedInARow > 0 ? { ...rest, consecutive_failed_runs: failedInARow } : rest;
      await syncsRepo.setSyncState(trx, ctx.id, state, finishedAt);
    }
    await recordEvent(trx, ctx.application_id, 'sync.complete', {
      run_id: run.id,
      connection_id: ctx.connection_id,
      customer_id: ctx.external_customer_id,
      provider_name: ctx.provider_name,
      result: success ? 'SUCCESS' : 'ERROR',
      num_records_synced: run.num_records_synced,
      error_message: error,
      ...syncEventSubject(ctx),
    });
    return job;
  });
  deps.metrics?.runFinished(success ? 'SUCCESS' : 'ERROR', (finishedAt.getTime() - run.start_timestamp.getTime()) / 1000);
  await notifySyncJobs(deps, [...(jobId ? [jobId] : []), ...(await jobsWaitingOn(deps.db, input.syncId))]);
  const limit = deps.autoPauseAfterFailures ?? DEFAULT_AUTO_PAUSE_AFTER_FAILURES;
  // Every limit-th failure: a sync resumed after the pause gets as many runs again before the next.
  if (failedInARow > 0 && failedInARow % limit === 0) {
    await pauseSyncForError(deps, { syncId: input.syncId, runId: run.id, reason: `${failedInARow} runs in a row failed; the last: ${error ?? 'unknown error'}` });
  }
  return { numRecordsSynced: run.num_records_synced };
}

/** Auto-pause after an error no retry can fix (credentials, permissions, configuration). */
export async function pauseSyncForError(deps: ServiceDeps, input: { syncId: string; runId: string; reason: string }): Promise<void> {
  const sync = await syncsRepo.findSync(deps.db, input.syncId);
  if (!sync || sync.paused) return;
  await setSyncPaused(deps, sync, true, input.reason, input.runId);
}
