import { sql, type Expression, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Cursor, Page } from '../../lib/pagination';
import { keysetPage } from './keyset';
import type { Db } from '../connection';
import type { SyncRunsTable } from '../database';
import { NotFoundError } from '../../lib/errors';

export type SyncRunRow = Selectable<SyncRunsTable>;

/** The run a workflow execution chain opened, if its start already committed. */
export function findRunOfWorkflow(db: Db, workflowRunId: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('workflow_run_id', '=', workflowRunId).executeTakeFirst();
}

/**
 * Opens a run. Runs of one sync never overlap (schedule policy), so a run still open for the
 * sync lost its workflow: it is closed as interrupted in the same transaction (the caller's, if any).
 */
export function openSyncRun(db: Db, values: Insertable<SyncRunsTable> & { sync_id: string }): Promise<{ id: string }> {
  const open = async (trx: Db) => {
    await trx
      .updateTable('sync_runs')
      .set({ status: 'FAILURE', error_message: 'run was interrupted: its workflow ended without finishing it', end_timestamp: new Date() })
      .where('sync_id', '=', values.sync_id)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
    return trx.insertInto('sync_runs').values(values).returning('id').executeTakeFirstOrThrow();
  };
  return db.isTransaction ? open(db) : db.transaction().execute(open);
}

export function getSyncRun(db: Db, runId: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

/**
 * Saves a run's resume point after a destination batch committed, counting the batch's records.
 * No row: the sync (its runs by cascade) was deleted meanwhile, and the run must stop.
 */
export async function commitRunProgress(db: Db, runId: string, progress: unknown, addedRecords: number): Promise<void> {
  const res = await db
    .updateTable('sync_runs')
    .set({ progress: JSON.stringify(progress), num_records_synced: sql<number>`num_records_synced + ${addedRecords}` })
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new NotFoundError('Sync run', `sync run ${runId} no longer exists: its sync was deleted during the run`);
}

export async function closeSyncRun(trx: Db, runId: string, outcome: { success: boolean; error: string | null; at: Date }): Promise<void> {
  await trx
    .updateTable('sync_runs')
    .set({ status: outcome.success ? 'SUCCESS' : 'FAILURE', error_message: outcome.error, end_timestamp: outcome.at })
    .where('id', '=', runId)
    .execute();
}

export interface SyncRunListFilters {
  customerId?: string;
  providerName?: string;
  objectType?: string;
  object?: string;
  entityId?: string;
  status?: 'SUCCESS' | 'FAILURE' | 'IN_PROGRESS';
  started?: { op: '>' | '<'; at: Date };
  ended?: { op: '>' | '<'; at: Date };
}

/** The application's run ledger, newest first (a "next" page goes back in time), one keyset page. */
export function listSyncRunsPage<T>(
  db: Db,
  applicationId: string,
  f: SyncRunListFilters,
  page: { size: number; cursor: Cursor | undefined },
  shape: (row: SyncRunRow & { external_id: string }) => T,
): Promise<Page<T>> {
  // No join in the filtered rows: a filtered total_count counts sync_runs alone (the unfiltered one is kept counted).
  let q = db.selectFrom('sync_runs').where('sync_runs.application_id', '=', applicationId);
  const customerId = f.customerId;
  if (customerId) {
    q = q.where('sync_runs.customer_id', 'in', (eb) => eb.selectFrom('customers').select('id').where('application_id', '=', applicationId).where('external_id', '=', customerId));
  }
  if (f.providerName) q = q.where('sync_runs.provider_name', '=', f.providerName);
  if (f.objectType) q = q.where('sync_runs.object_type', '=', f.objectType);
  if (f.object) q = q.where('sync_runs.object', '=', f.object);
  if (f.entityId) q = q.where(sql<SqlBool>`sync_runs.entity_id::text = ${f.entityId}`);
  if (f.status) q = q.where('sync_runs.status', '=', f.status);
  const timeFilter = (col: Expression<unknown>, t: { op: '>' | '<'; at: Date }) => sql<SqlBool>`${col} ${sql.raw(t.op)} ${t.at}`;
  if (f.started) q = q.where(timeFilter(sql.ref('sync_runs.start_timestamp'), f.started));
  if (f.ended) q = q.where(timeFilter(sql.ref('sync_runs.end_timestamp'), f.ended));
  const rows = q.selectAll('sync_runs').select(sql<string>`(select external_id from customers where customers.id = sync_runs.customer_id)`.as('external_id'));
  const unfiltered = Object.values(f).every((v) => v === undefined);
  return keysetPage(rows, { at: 'sync_runs.start_timestamp', id: 'sync_runs.id', newestFirst: true }, page, shape, unfiltered ? countSyncRuns(db, applicationId) : undefined);
}

/** The application's runs, as the triggers on sync_runs keep them counted per sync. */
async function countSyncRuns(db: Db, applicationId: string): Promise<number> {
  const row = await db
    .selectFrom('sync_run_counts')
    .select(sql<number>`coalesce(sum(runs), 0)::bigint`.as('runs'))
    .where('application_id', '=', applicationId)
    .executeTakeFirstOrThrow();
  return row.runs;
}
