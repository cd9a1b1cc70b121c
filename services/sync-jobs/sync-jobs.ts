/**
 * Sync jobs (extension; Hotglue's "run a job"): chosen object syncs of a connection run now, over a
 * backfill window that leaves their cursors alone, after a state reset, or full. Each job is one
 * Temporal workflow (`sync-job:<id>`) that asks each sync's schedule for a run and follows them;
 * the runs themselves are the syncs' own (job-runs.ts), so two runs of one sync never overlap.
 * Status: JOB_CREATED → SYNC_STARTED → SYNC_SUCCESS | SYNC_FAILED → JOB_COMPLETED, each change
 * announced by a signed `job.*` webhook recorded in its transaction.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowIdReusePolicy } from '@temporalio/common';
import * as repo from '../../db/repositories/sync-jobs';
import { listObjectSyncsOfConnection } from '../../db/repositories/syncs';
import type { Db } from '../../db/connection';
import type { SyncJobStatus } from '../../db/database';
import { ConflictError, InvalidInputError, NotFoundError, SchemaValidationError } from '../../lib/errors';
import { isUuid } from '../../lib/ids';
import { pageRequest } from '../../lib/pagination';
import { searchAttributes } from '../../lib/search-attributes';
import type { ServiceDeps } from '../deps';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import { triggerSyncSchedule } from '../orchestration/sync-schedules';
import { recordEvent, type WebhookEventType } from '../webhooks/events';
import { syncJobInputSchema, type SyncJobInput } from './inputs';
import { syncJobWorkflowId } from './job-runs';

export interface SyncJobObjectView {
  object_type: 'common' | 'standard' | 'custom';
  object: string;
  /** The object's own progress in the job's vocabulary: queued (JOB_CREATED), running, done. */
  status: 'JOB_CREATED' | 'SYNC_STARTED' | 'SYNC_SUCCESS' | 'SYNC_FAILED';
  processed_rows: number;
  error?: string;
}

export interface SyncJobView {
  job_id: string;
  job_name?: string;
  status: SyncJobStatus;
  customer_id: string;
  provider_name: string;
  connection_id: string;
  objects: SyncJobObjectView[];
  processed_rows: number;
  start_time: string;
  last_updated: string;
  message?: string;
  window?: { start: string; end: string };
  reset_source_state: boolean;
  full_sync: boolean;
}

const OBJECT_STATUS = { pending: 'JOB_CREATED', running: 'SYNC_STARTED', succeeded: 'SYNC_SUCCESS', failed: 'SYNC_FAILED' } as const;

function toView(job: repo.SyncJobRow, objects: repo.SyncJobObjectRow[]): SyncJobView {
  const views = objects.map((o): SyncJobObjectView => {
    // A running object's count is its run's, committed batch by batch.
    const rows = Number(o.status === 'running' && o.run_records !== null ? o.run_records : o.processed_rows);
    return { object_type: o.object_type, object: o.object, status: OBJECT_STATUS[o.status], processed_rows: rows, ...(o.error ? { error: o.error } : {}) };
  });
  return {
    job_id: job.id,
    ...(job.job_name ? { job_name: job.job_name } : {}),
    status: job.status,
    customer_id: job.external_customer_id,
    provider_name: job.provider_name,
    connection_id: job.connection_id,
    objects: views,
    processed_rows: views.reduce((n, o) => n + o.processed_rows, 0),
    start_time: new Date(job.created_at).toISOString(),
    last_updated: new Date(job.updated_at).toISOString(),
    ...(job.message ? { message: job.message } : {}),
    ...(job.window_start && job.window_end ? { window: { start: new Date(job.window_start).toISOString(), end: new Date(job.window_end).toISOString() } } : {}),
    reset_source_state: job.reset_source_state,
    full_sync: job.full_sync,
  };
}

async function loadView(db: Db, jobId: string): Promise<SyncJobView | undefined> {
  const job = await repo.findSyncJobById(db, jobId);
  return job && toView(job, await repo.listSyncJobObjects(db, [job.id]));
}

const EVENT_OF: Record<SyncJobStatus, WebhookEventType> = {
  JOB_CREATED: 'job.created',
  SYNC_STARTED: 'job.sync_started',
  SYNC_SUCCESS: 'job.sync_success',
  SYNC_FAILED: 'job.sync_failed',
  JOB_COMPLETED: 'job.completed',
};

async function recordJobEvent(trx: Db, applicationId: string, jobId: string): Promise<void> {
  const view = await loadView(trx, jobId);
  if (view) await recordEvent(trx, applicationId, EVENT_OF[view.status], { ...view });
}

/** The syncs a job runs: the named objects' (each one the connection syncs), or all the connection's object syncs. */
async function selectSyncs(db: Db, connectionId: string, input: SyncJobInput) {
  const syncs = await listObjectSyncsOfConnection(db, connectionId);
  const byKey = new Map(syncs.map((s) => [`${s.object_type}:${s.object}`, s]));
  if (!input.objects) {
    if (syncs.length === 0) throw new ConflictError('The connection has no object syncs to run: its sync config names no objects', { summary: 'Nothing to sync' });
    return syncs;
  }
  const known = syncs.map((s) => `${s.object_type} ${s.object}`).join(', ') || 'none';
  const issues = input.objects.flatMap((o, i) =>
    byKey.has(`${o.object_type}:${o.object}`)
      ? []
      : [{ path: `objects.${i}.object`, message: `the connection does not sync ${o.object_type} object ${o.object} (it syncs: ${known})`, code: 'unknown_object' }],
  );
  if (issues.length) throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues, location: 'json' });
  return input.objects.map((o) => byKey.get(`${o.object_type}:${o.object}`)!);
}

function windowOf(input: SyncJobInput): { start: Date; end: Date } | undefined {
  if (input.start_date === undefined) return undefined;
  const start = new Date(input.start_date);
  const end = input.end_date !== undefined ? new Date(input.end_date) : new Date();
  if (start >= end) {
    throw new InvalidInputError('start_date: a window without end_date ends now, so it must start in the past', {
      issues: [{ path: 'start_date', message: 'must be in the past when end_date is left out', code: 'invalid_window' }],
      location: 'json',
    });
  }
  return { start, end };
}

/**
 * Checks and stores the job (JOB_CREATED, job.created) and starts its workflow. A selected sync
 * that is paused is refused; one with a run in progress or queued for another job is refused with
 * 409 naming it unless `ignore_parallel_jobs`, which queues this job's run right after it.
 */
export async function startSyncJob(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, input: SyncJobInput): Promise<SyncJobView> {
  const parsed = syncJobInputSchema.safeParse(input);
  if (!parsed.success)
    throw new SchemaValidationError(
      'json',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code })),
    );
  const body = parsed.data;
  const window = windowOf(body);
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const syncs = await selectSyncs(deps.db, connection.id, body);
  const paused = syncs.filter((s) => s.paused);
  if (paused.length) {
    throw new ConflictError(`Paused sync(s): ${paused.map((s) => `${s.object_type} ${s.object} (${s.id})`).join(', ')}; resume them before running a job`, {
      summary: 'Sync is paused',
    });
  }
  if (!body.ignore_parallel_jobs) {
    const busy = await repo.findBusySyncs(
      deps.db,
      syncs.map((s) => s.id),
    );
    const reasons = [
      ...busy.running.map((r) => `${r.object_type} ${r.object} has run ${r.id} in progress`),
      ...busy.queued.map((q) => `${q.object_type} ${q.object} is queued for sync job ${q.job_id}`),
    ];
    if (reasons.length) throw new ConflictError(`${reasons.join('; ')}. Retry with ignore_parallel_jobs: true to run right after it`, { summary: 'Sync already running' });
  }
  const job = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.insertSyncJob(trx, {
      application_id: applicationId,
      connection_id: connection.id,
      job_name: body.job_name ?? null,
      reset_source_state: body.reset_source_state ?? false,
      full_sync: body.full_sync ?? false,
      ignore_parallel_jobs: body.ignore_parallel_jobs ?? false,
      window_start: window?.start ?? null,
      window_end: window?.end ?? null,
    });
    await repo.insertSyncJobObjects(
      trx,
      row.id,
      syncs.map((s) => ({ sync_id: s.id, object_type: s.object_type ?? 'standard', object: s.object ?? '' })),
    );
    await recordJobEvent(trx, applicationId, row.id);
    return row;
  });
  try {
    await deps.temporal.client.workflow.start('syncJobWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: syncJobWorkflowId(job.id),
      args: [{ jobId: job.id }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: searchAttributes.applicationId, value: applicationId },
        { key: searchAttributes.customerId, value: customerId },
        { key: searchAttributes.connectionId, value: connection.id },
        { key: searchAttributes.providerName, value: providerName },
      ]),
      memo: {
        description: `sync job of ${syncs.length} ${providerName} object(s) for customer ${customerId}${window ? ` over ${window.start.toISOString()} .. ${window.end.toISOString()}` : ''}`,
      },
    });
  } catch (err) {
    await abandonSyncJob(deps, applicationId, job.id, 'the sync job could not be started; try again');
    throw err;
  }
  return (await loadView(deps.db, job.id))!;
}

/** A job whose workflow never started: its objects will not run. */
async function abandonSyncJob(deps: ServiceDeps, applicationId: string, jobId: string, message: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    for (const o of await repo.listSyncJobObjects(trx, [jobId])) {
      if (o.status === 'pending') await repo.setJobObjectStatus(trx, o, { status: 'failed', error: message });
    }
    const moved = await repo.moveSyncJobStatus(trx, jobId, ['JOB_CREATED'], 'JOB_COMPLETED', message);
    if (moved) await recordJobEvent(trx, applicationId, jobId);
  });
}

export async function getSyncJob(deps: ServiceDeps, applicationId: string, jobId: string): Promise<SyncJobView> {
  const job = isUuid(jobId) ? await repo.findSyncJob(deps.db, applicationId, jobId) : undefined;
  if (!job) throw new NotFoundError('Sync job', `Sync job ${jobId} not found`);
  return toView(job, await repo.listSyncJobObjects(deps.db, [job.id]));
}

export interface SyncJobFilters {
  status?: SyncJobStatus;
  customerId?: string;
  providerName?: string;
  connectionId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  cursor?: string;
  pageSize?: number;
}

/** The application's sync jobs, newest first, in the Supaglue list shape. */
export async function listSyncJobs(deps: ServiceDeps, applicationId: string, filters: SyncJobFilters) {
  const { cursor, pageSize, ...f } = filters;
  const page = await repo.listSyncJobsPage(deps.db, applicationId, f, pageRequest({ cursor, page_size: pageSize === undefined ? undefined : String(pageSize) }), (row) => row);
  const objects = await repo.listSyncJobObjects(
    deps.db,
    page.results.map((j) => j.id),
  );
  return {
    ...page,
    results: page.results.map((j) =>
      toView(
        j,
        objects.filter((o) => o.job_id === j.id),
      ),
    ),
  };
}

/**
 * A pending object whose trigger was this long ago is triggered again once its sync has had no run
 * for as long. A trigger during a run is buffered, but only one is: the one already buffered (a
 * scheduled tick, another job's) may have started and taken another job's object instead.
 */
const RETRIGGER_AFTER_MS = 15_000;

/**
 * The job's workflow step: asks the schedules of its pending objects for a run, fails objects that
 * can no longer run (sync deleted or paused), and moves the job's status with what its objects did.
 * `done` once JOB_COMPLETED. Idempotent: the workflow calls it after each signal and poll.
 */
export interface SyncJobStep {
  done: boolean;
  status: SyncJobStatus;
}

export async function advanceSyncJob(deps: ServiceDeps, jobId: string): Promise<SyncJobStep> {
  const job = await repo.findSyncJobById(deps.db, jobId);
  if (!job) return { done: true, status: 'JOB_COMPLETED' };
  const objects = await repo.listSyncJobObjects(deps.db, [jobId]);
  for (const o of objects) {
    const lost =
      o.status === 'pending' && o.sync_id === null
        ? 'its sync was deleted before it ran'
        : o.status === 'pending' && o.sync_paused
          ? 'its sync was paused before it ran'
          : o.status === 'running' && o.run_id === null
            ? 'its sync was deleted during the run'
            : undefined;
    if (lost) {
      await repo.setJobObjectStatus(deps.db, o, { status: 'failed', error: lost });
      o.status = 'failed';
      o.error = lost;
    }
  }
  const pending = objects.filter((o) => o.status === 'pending' && o.sync_id !== null);
  const busy = await repo.syncsBusyOrRecent(
    deps.db,
    pending.map((o) => o.sync_id!),
    RETRIGGER_AFTER_MS,
  );
  const due = pending.filter((o) => !o.triggered_at || (!busy.has(o.sync_id!) && Date.now() - new Date(o.triggered_at).getTime() > RETRIGGER_AFTER_MS));
  const triggered: number[] = [];
  for (const o of due) {
    try {
      // During a run of the sync the trigger is buffered: the job's run follows it.
      await triggerSyncSchedule(deps.temporal.client, o.sync_id!);
      triggered.push(o.seq);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      deps.logger.warn({ jobId, syncId: o.sync_id }, 'sync job: the sync has no schedule yet; the reconciler creates it, the job triggers again');
    }
  }
  await repo.markJobObjectsTriggered(deps.db, jobId, triggered);

  let status = job.status;
  const move = async (from: SyncJobStatus[], to: SyncJobStatus, message?: string) => {
    await deps.db.transaction().execute(async (trx) => {
      if (await repo.moveSyncJobStatus(trx, jobId, from, to, message)) await recordJobEvent(trx, job.application_id, jobId);
    });
    status = to;
  };
  const started = objects.some((o) => o.status !== 'pending' && o.run_id !== null);
  const finished = objects.every((o) => o.status === 'succeeded' || o.status === 'failed');
  if (status === 'JOB_CREATED' && started) await move(['JOB_CREATED'], 'SYNC_STARTED');
  if (finished && (status === 'JOB_CREATED' || status === 'SYNC_STARTED')) {
    const failed = objects.filter((o) => o.status === 'failed');
    await move(
      ['JOB_CREATED', 'SYNC_STARTED'],
      failed.length ? 'SYNC_FAILED' : 'SYNC_SUCCESS',
      failed.length ? failed.map((o) => `${o.object_type} ${o.object}: ${o.error ?? 'failed'}`).join('; ') : undefined,
    );
  }
  if (finished && (status === 'SYNC_SUCCESS' || status === 'SYNC_FAILED')) await move(['SYNC_SUCCESS', 'SYNC_FAILED'], 'JOB_COMPLETED');
  return { done: status === 'JOB_COMPLETED', status };
}
