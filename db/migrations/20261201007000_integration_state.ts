import { sql, type Kysely } from 'kysely';

/**
 * Integrations (the Cycle-style /v1 API over connections):
 * - connections gain a verification state (`new` → `verifying` → `live` | `failed`, `deleting` while a
 *   delete job runs) with the provider's reason, a display `name` and `identifier`, and `public_id`, the
 *   24-hex-digit id the /v1 paths take. Existing connections were created without a check and their
 *   syncs run: they are `live`, and get a public id too.
 * - jobs gain `subject`: which connection a verify or delete job is about. Not a foreign key: a delete
 *   job must outlive the connection it deleted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('connections')
    .addColumn('integration_state', 'text', (c) => c.notNull().defaultTo('live'))
    .addColumn('integration_state_reason', 'text')
    .addColumn('name', 'text')
    .addColumn('identifier', 'text')
    .addColumn('public_id', 'text', (c) => c.notNull().defaultTo(sql`substr(replace(gen_random_uuid()::text, '-', ''), 1, 24)`))
    .execute();
  await db.schema
    .alterTable('connections')
    .addCheckConstraint('connections_integration_state', sql`integration_state in ('new', 'verifying', 'live', 'failed', 'deleting')`)
    .execute();
  await db.schema.alterTable('connections').addCheckConstraint('connections_public_id', sql`public_id ~ '^[a-f0-9]{24}$'`).execute();
  await db.schema.createIndex('connections_public_id').unique().on('connections').columns(['application_id', 'public_id']).execute();
  await db.schema.alterTable('jobs').addColumn('subject', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('subject').execute();
  await db.schema.dropIndex('connections_public_id').execute();
  await db.schema
    .alterTable('connections')
    .dropColumn('integration_state')
    .dropColumn('integration_state_reason')
    .dropColumn('name')
    .dropColumn('identifier')
    .dropColumn('public_id')
    .execute();
}
