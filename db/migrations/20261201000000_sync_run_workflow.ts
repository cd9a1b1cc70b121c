import { sql, type Kysely } from 'kysely';

/**
 * The Temporal workflow execution that opened a run (its first execution's run id). A retried
 * startSyncRun whose insert had already committed finds its own run by it instead of opening a
 * second one and marking the first interrupted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sync_runs').addColumn('workflow_run_id', 'text').execute();
  await db.schema.createIndex('sync_runs_workflow_run').unique().on('sync_runs').column('workflow_run_id').where(sql.ref('workflow_run_id'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sync_runs_workflow_run').execute();
  await db.schema.alterTable('sync_runs').dropColumn('workflow_run_id').execute();
}
