import { sql, type Insertable, type Selectable } from 'kysely';
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
 * sync lost its workflow: it is closed as interrupted in the same transaction.
 */
export function openSyncRun(db: Db, values: Insertable<SyncRunsTable> & { sync_id: string }): Promise<{ id: string }> {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('sync_runs')
      .set({ status: 'FAILURE', error_message: 'run was interrupted: its workflow ended without finishing it', end_timestamp: new Date() })
      .where('sync_id', '=', values.sync_id)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
    return trx.insertInto('sync_runs').values(values).returning('id').executeTakeFirstOrThrow();
  });
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
