/**
 * Sync jobs (extension) and their objects. An object moves pending → running (a run of its sync
 * took it) → succeeded | failed; the job's status is the Hotglue vocabulary, moved only forward.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Cursor, Page } from '../../lib/pagination';
import type { Db } from '../connection';
import type { SyncJobObjectStatus, SyncJobStatus } from '../database';
import { keysetPage } from './keyset';

export function insertSyncJob(
  db: Db,
  values: {
    application_id: string;
    connection_id: string;
    job_name: string | null;
    reset_source_state: boolean;
    full_sync: boolean;
    ignore_parallel_jobs: boolean;
    window_start: Date | null;
    window_end: Date | null;
  },
) {
  return db.insertInto('sync_jobs').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function insertSyncJobObjects(db: Db, jobId: string, objects: Array<{ sync_id: string; object_type: 'common' | 'standard' | 'custom'; object: string }>) {
  await db
    .insertInto('sync_job_objects')
    .values(objects.map((o, seq) => ({ job_id: jobId, seq, ...o })))
    .execute();
}

/** A job with what its view names: the connection's customer and provider. */
const jobWithConnection = (db: Db) =>
  db
    .selectFrom('sync_jobs')
    .innerJoin('connections', 'connections.id', 'sync_jobs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('sync_jobs')
    .select(['customers.external_id as external_customer_id', 'connections.provider_name']);

export type SyncJobRow = NonNullable<Awaited<ReturnType<typeof findSyncJobById>>>;

export function findSyncJob(db: Db, applicationId: string, id: string) {
  return jobWithConnection(db).where('sync_jobs.application_id', '=', applicationId).where('sync_jobs.id', '=', id).executeTakeFirst();
}

export function findSyncJobById(db: Db, id: string) {
  return jobWithConnection(db).where('sync_jobs.id', '=', id).executeTakeFirst();
}

/** A job's objects in order, with their run's live count and status and their sync's pause state. */
export function listSyncJobObjects(db: Db, jobIds: readonly string[]) {
  if (jobIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('sync_job_objects as o')
    .leftJoin('sync_runs as r', 'r.id', 'o.run_id')
    .leftJoin('syncs as s', 's.id', 'o.sync_id')
    .selectAll('o')
    .select(['r.num_records_synced as run_records', 'r.status as run_status', 's.paused as sync_paused'])
    .where('o.job_id', 'in', jobIds)
    .orderBy('o.job_id')
    .orderBy('o.seq')
    .execute();
}
export type SyncJobObjectRow = Awaited<ReturnType<typeof listSyncJobObjects>>[number];

/** Moves a job from one of `from` to `to`; undefined when it was not in one of them (another caller moved it). */
export function moveSyncJobStatus(db: Db, id: string, from: readonly SyncJobStatus[], to: SyncJobStatus, message?: string | null) {
  return db
    .updateTable('sync_jobs')
    .set({ status: to, updated_at: new Date(), ...(message !== undefined ? { message } : {}) })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returning(['id', 'status'])
    .executeTakeFirst();
}

/**
 * The oldest pending job object of a sync, locked for the run about to take it (a concurrent
 * opener skips it rather than waiting), with the job's overrides.
 */
export function takePendingJobObject(trx: Db, syncId: string) {
  return trx
    .selectFrom('sync_job_objects as o')
    .innerJoin('sync_jobs as j', 'j.id', 'o.job_id')
    .select(['o.job_id', 'o.seq', 'j.reset_source_state', 'j.full_sync', 'j.window_start', 'j.window_end'])
    .where('o.sync_id', '=', syncId)
    .where('o.status', '=', 'pending')
    .orderBy('j.created_at')
    .orderBy('o.seq')
    .limit(1)
    .forUpdate('o')
    .skipLocked()
    .executeTakeFirst();
}

export async function setJobObjectStatus(
  db: Db,
  key: { job_id: string; seq: number },
  values: { status: SyncJobObjectStatus; run_id?: string; processed_rows?: number; error?: string | null },
): Promise<void> {
  await db
    .updateTable('sync_job_objects')
    .set({ ...values, updated_at: new Date() })
    .where('job_id', '=', key.job_id)
    .where('seq', '=', key.seq)
    .execute();
}

/** The job object a run carries out, closed with the run. */
export function finishJobObjectOfRun(db: Db, runId: string, values: { status: 'succeeded' | 'failed'; processed_rows: number; error: string | null }) {
  return db
    .updateTable('sync_job_objects')
    .set({ ...values, updated_at: new Date() })
    .where('run_id', '=', runId)
    .where('status', '=', 'running')
    .returning(['job_id', 'seq'])
    .executeTakeFirst();
}

export async function markJobObjectsTriggered(db: Db, jobId: string, seqs: readonly number[]): Promise<void> {
  if (seqs.length === 0) return;
  await db.updateTable('sync_job_objects').set({ triggered_at: new Date() }).where('job_id', '=', jobId).where('seq', 'in', seqs).execute();
}

/** What a new job on these syncs would run alongside: their runs in progress and the objects other jobs have queued for them. */
export async function findBusySyncs(db: Db, syncIds: readonly string[]) {
  if (syncIds.length === 0) return { running: [], queued: [] };
  const [running, queued] = await Promise.all([
    db.selectFrom('sync_runs').select(['id', 'sync_id', 'object_type', 'object']).where('sync_id', 'in', syncIds).where('status', '=', 'IN_PROGRESS').execute(),
    db
      .selectFrom('sync_job_objects')
      .select(['job_id', 'sync_id', 'object_type', 'object'])
      .where('sync_id', 'in', syncIds)
      // A running object's run is among the runs in progress.
      .where('status', '=', 'pending')
      .execute(),
  ]);
  return { running, queued };
}

/** Jobs with an object waiting for a run of this sync. */
export async function jobsPendingOnSync(db: Db, syncId: string): Promise<string[]> {
  const rows = await db.selectFrom('sync_job_objects').select('job_id').distinct().where('sync_id', '=', syncId).where('status', '=', 'pending').execute();
  return rows.map((r) => r.job_id);
}

/** Syncs, among these, with a run in progress or one that ended less than `recentMs` ago (a buffered run may be about to start). */
export async function syncsBusyOrRecent(db: Db, syncIds: readonly string[], recentMs: number): Promise<Set<string>> {
  if (syncIds.length === 0) return new Set();
  const since = new Date(Date.now() - recentMs);
  const rows = await db
    .selectFrom('sync_runs')
    .select('sync_id')
    .where('sync_id', 'in', syncIds)
    .where((eb) => eb.or([eb('status', '=', 'IN_PROGRESS'), eb('end_timestamp', '>', since)]))
    .execute();
  return new Set(rows.map((r) => r.sync_id));
}

export interface SyncJobListFilters {
  status?: SyncJobStatus;
  customerId?: string;
  providerName?: string;
  connectionId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

/** The application's sync jobs, newest first, one keyset page. */
export function listSyncJobsPage<T>(
  db: Db,
  applicationId: string,
  f: SyncJobListFilters,
  page: { size: number; cursor: Cursor | undefined },
  shape: (row: SyncJobRow) => T,
): Promise<Page<T>> {
  let q = jobWithConnection(db).where('sync_jobs.application_id', '=', applicationId);
  if (f.status) q = q.where('sync_jobs.status', '=', f.status);
  if (f.customerId) q = q.where('customers.external_id', '=', f.customerId);
  if (f.providerName) q = q.where('connections.provider_name', '=', f.providerName);
  if (f.connectionId) q = q.where(sql<SqlBool>`sync_jobs.connection_id::text = ${f.connectionId}`);
  const created: Expression<unknown> = sql.ref('sync_jobs.created_at');
  if (f.createdAfter) q = q.where(sql<SqlBool>`${created} > ${f.createdAfter}`);
  if (f.createdBefore) q = q.where(sql<SqlBool>`${created} < ${f.createdBefore}`);
  return keysetPage(q, { at: 'sync_jobs.created_at', id: 'sync_jobs.id', newestFirst: true }, page, shape);
}

/** Job objects whose run is still open on this sync: the opening run closes those runs as interrupted. */
export function failJobObjectsOfOpenRuns(trx: Db, syncId: string, error: string) {
  return trx
    .updateTable('sync_job_objects')
    .set({ status: 'failed', error, updated_at: new Date() })
    .where('status', '=', 'running')
    .where('run_id', 'in', (eb) => eb.selectFrom('sync_runs').select('id').where('sync_id', '=', syncId).where('status', '=', 'IN_PROGRESS'))
    .returning('job_id')
    .execute();
}
