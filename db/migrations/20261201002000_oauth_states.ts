import { sql, type Kysely } from 'kysely';

/**
 * OAuth authorization requests in flight: what the callback needs (the PKCE verifier, encrypted;
 * where to send the customer back; the link or customer and provider it connects), single use
 * (used_at) and short-lived. `state` in the browser is only the row id and its MAC.
 * Applications opt in to Supaglue's hosted `/oauth/connect` by listing the return URL origins it may
 * redirect to (null: off).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_states')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('application_id', 'uuid', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('magic_link_id', 'uuid', (c) => c.references('magic_links.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('code_verifier_encrypted', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('oauth_states_expires_at').on('oauth_states').column('expires_at').execute();
  await db.schema.alterTable('applications').addColumn('hosted_oauth_return_origins', sql`text[]`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('hosted_oauth_return_origins').execute();
  await db.schema.dropTable('oauth_states').execute();
}
