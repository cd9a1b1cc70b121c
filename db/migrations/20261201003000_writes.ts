import { sql, type Kysely } from 'kysely';

/**
 * Writes back into providers (Syncwell extension).
 * - A write job is a `jobs` row of type `write` for a connection, with what it writes and its counts;
 *   its records are `write_job_records`, one row per record and also the per-record ledger that keeps
 *   a resumed job from writing a record twice (`sending` marks a batch handed to the provider).
 * - `write_idempotency_keys`: the outcome of a real-time write stored under its Idempotency-Key
 *   for 24 hours, so a retried request is answered without writing again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('connection_id', 'uuid', (c) => c.references('connections.id').onDelete('cascade'))
    .addColumn('write_spec', 'jsonb')
    .addColumn('records_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_unknown', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('jobs_connection').on('jobs').column('connection_id').execute();

  await db.schema
    .createTable('write_job_records')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('record', 'jsonb', (c) => c.notNull())
    // update: the provider's id of the record to change.
    .addColumn('record_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('provider_id', 'text')
    .addColumn('operation', 'text')
    .addColumn('error', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('write_job_records_pk', ['job_id', 'seq'])
    .addCheckConstraint('write_job_records_status', sql`status in ('pending', 'sending', 'succeeded', 'failed', 'unknown')`)
    .execute();
  await db.schema.createIndex('write_job_records_open').on('write_job_records').columns(['job_id', 'seq']).where(sql.ref('status'), 'in', sql`('pending', 'sending')`).execute();

  await db.schema
    .createTable('write_idempotency_keys')
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // null while the first request is being carried out.
    .addColumn('status_code', 'integer')
    .addColumn('response', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('write_idempotency_keys_pk', ['application_id', 'connection_id', 'key'])
    .execute();
  await db.schema.createIndex('write_idempotency_keys_created').on('write_idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('write_idempotency_keys').execute();
  await db.schema.dropTable('write_job_records').execute();
  await db.schema
    .alterTable('jobs')
    .dropColumn('connection_id')
    .dropColumn('write_spec')
    .dropColumn('records_total')
    .dropColumn('records_succeeded')
    .dropColumn('records_failed')
    .dropColumn('records_unknown')
    .execute();
}
