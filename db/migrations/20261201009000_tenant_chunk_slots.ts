import { sql, type Kysely } from 'kysely';

/**
 * The running sync chunks of each tenant, shared by every worker (services/syncs/tenant-slots.ts):
 * one row per sync run that holds a slot (`lease_id` set, `expires_at` renewed by the chunk's
 * heartbeat) or waits for one (`lease_id` null, `waiting_since` carried by its workflow so a
 * lapsed row keeps its place). Rows expire on the database's clock, so a killed worker's slot
 * and a waiter that stopped asking free themselves. No foreign keys: a run's delete must not wait
 * on this row, and an orphan lapses by itself.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenant_chunk_slots')
    .addColumn('run_id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('lease_id', 'text')
    .addColumn('waiting_since', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tenant_chunk_slots_application').on('tenant_chunk_slots').columns(['application_id', 'customer_id']).execute();
  // Rows are updated in place at every ask and renewal: room on the page for HOT updates.
  await sql`alter table tenant_chunk_slots set (fillfactor = 70)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tenant_chunk_slots').execute();
}
