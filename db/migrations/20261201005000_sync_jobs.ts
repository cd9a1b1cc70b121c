import { sql, type Kysely } from 'kysely';

/**
 * Sync jobs (extension): runs of chosen objects of a connection now, optionally over a backfill
 * window, after a state reset, or full. Their own tables rather than `jobs` rows: a sync job has
 * the Hotglue status vocabulary and one row per object, neither of which fits `jobs`' queued →
 * succeeded descriptor. A `sync_job_objects` row still `pending` is the request the sync's next
 * run takes (the run is opened through the sync's schedule, which never overlaps two runs).
 * `sync_runs.sync_job_id` marks the run that carried out a job's object.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sync_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('job_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('JOB_CREATED'))
    .addColumn('reset_source_state', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('full_sync', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('ignore_parallel_jobs', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('window_start', 'timestamptz')
    .addColumn('window_end', 'timestamptz')
    .addColumn('message', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('sync_jobs_status', sql`status in ('JOB_CREATED', 'SYNC_STARTED', 'SYNC_SUCCESS', 'SYNC_FAILED', 'JOB_COMPLETED')`)
    .addCheckConstraint('sync_jobs_window', sql`(window_start is null) = (window_end is null) and (window_start is null or window_start < window_end)`)
    .execute();
  await db.schema.createIndex('sync_jobs_app').on('sync_jobs').columns(['application_id', 'created_at']).execute();
  await db.schema.createIndex('sync_jobs_connection').on('sync_jobs').column('connection_id').execute();

  await db.schema
    .createTable('sync_job_objects')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('sync_jobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    // Null once the sync is deleted: the object's outcome stays on the job.
    .addColumn('sync_id', 'uuid', (c) => c.references('syncs.id').onDelete('set null'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('run_id', 'uuid', (c) => c.references('sync_runs.id').onDelete('set null'))
    .addColumn('processed_rows', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('triggered_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sync_job_objects_pk', ['job_id', 'seq'])
    .addCheckConstraint('sync_job_objects_status', sql`status in ('pending', 'running', 'succeeded', 'failed')`)
    .execute();
  await db.schema.createIndex('sync_job_objects_pending').on('sync_job_objects').columns(['sync_id', 'job_id']).where(sql.ref('status'), '=', 'pending').execute();

  await db.schema
    .alterTable('sync_runs')
    .addColumn('sync_job_id', 'uuid', (c) => c.references('sync_jobs.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sync_runs').dropColumn('sync_job_id').execute();
  await db.schema.dropTable('sync_job_objects').execute();
  await db.schema.dropTable('sync_jobs').execute();
}
