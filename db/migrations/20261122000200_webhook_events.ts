import { sql, type Kysely } from 'kysely';

/**
 * The event outbox: written in the same transaction as the change that caused it;
 * `seq` gives the event log its order and cursor.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_events')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    // Set once a delivery workflow has been started for the event (the dispatcher's bookmark).
    .addColumn('dispatched_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhook_events_app_seq').on('webhook_events').columns(['application_id', 'seq']).execute();
  await sql`create index webhook_events_undispatched on webhook_events (seq) where dispatched_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_events').execute();
}
