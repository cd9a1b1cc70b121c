import { sql, type Kysely } from 'kysely';

/**
 * A connection's stored catalog (Syncwell extension: asynchronous discover). One row per connection,
 * written by the discover workflow: the status of the latest discovery, its error when it failed, and
 * the catalog of the latest one that succeeded (kept when a later one fails). A table of its own rather
 * than columns of `connections`, whose rows are read whole on every provider call.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connection_catalogs')
    .addColumn('connection_id', 'uuid', (c) => c.primaryKey().references('connections.id').onDelete('cascade'))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('catalog', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('catalog_updated_at', 'timestamptz')
    .addCheckConstraint('connection_catalogs_status', sql`status in ('running', 'succeeded', 'failed')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connection_catalogs').execute();
}
