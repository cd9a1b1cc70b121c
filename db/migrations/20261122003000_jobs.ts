import { sql, type Kysely } from 'kysely';

/**
 * Async jobs (Syncwell extension): a pollable descriptor for work that runs in Temporal,
 * e.g. a destination connection test. `error` is a readable message, never a secret.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued'))
    .addColumn('destination_id', 'uuid', (c) => c.references('destinations.id').onDelete('cascade'))
    // The destination version the job was asked for, and the one it actually tested.
    .addColumn('destination_version', 'integer')
    .addColumn('tested_version', 'integer')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addCheckConstraint('jobs_status', sql`status in ('queued', 'running', 'succeeded', 'failed')`)
    .execute();
  await db.schema.createIndex('jobs_app').on('jobs').columns(['application_id', 'created_at']).execute();
  await db.schema.createIndex('jobs_destination').on('jobs').column('destination_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').execute();
}
