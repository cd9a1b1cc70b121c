import { sql, type Kysely } from 'kysely';

/**
 * A connection's request budget, shared by every process (services/connections/shared-rate-limits.ts):
 * the token bucket (`tokens` as of `refilled_at`), the concurrency leases in flight (lease id →
 * expiry in epoch ms) and the pause after a Retry-After. One row per connection, updated in place
 * on every request: the low fillfactor leaves room on the page for HOT updates. Keyed by the id
 * HTTP clients are opened with, without a foreign key: the row is cheap and a connection's delete
 * must not wait on it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('connection_rate_limits')
    .addColumn('connection_id', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'float8', (c) => c.notNull())
    .addColumn('refilled_at', 'timestamptz', (c) => c.notNull())
    .addColumn('leases', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('paused_until', 'timestamptz')
    .execute();
  await sql`alter table connection_rate_limits set (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connection_rate_limits').execute();
}
