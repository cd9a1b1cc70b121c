import { sql, type Kysely } from 'kysely';

/**
 * The Management API's resources. Every row belongs to an application; lookups always
 * filter on application_id first, which is why it leads every unique index.
 * Secrets live only in `*_encrypted` columns (lib/crypto.ts format).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = (c: any) => c.primaryKey().defaultTo(sql`gen_random_uuid()`);
  const app = (c: any) => c.notNull().references('applications.id').onDelete('cascade');
  const now = (c: any) => c.notNull().defaultTo(sql`now()`);

  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('customers_app_external_id', ['application_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('providers')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('auth_type', 'text', (c) => c.notNull())
    // Non-secret provider config (client id, scopes, use_managed_oauth ...).
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('client_secret_encrypted', 'text')
    .addColumn('objects', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('entity_mappings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('providers_app_name', ['application_id', 'name'])
    .execute();

  await db.schema
    .createTable('destinations')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // The `*_safe` part of the config; secrets (password, keys, credentials) are encrypted apart.
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('secrets_encrypted', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('destinations_app_name', ['application_id', 'name'])
    .execute();

  await db.schema
    .createTable('schemas')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('schemas_app_name', ['application_id', 'name'])
    .execute();

  await db.schema
    .createTable('entities')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('entities_app_name', ['application_id', 'name'])
    .execute();

  await db.schema
    .createTable('sync_configs')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id').onDelete('restrict'))
    .addColumn('destination_id', 'uuid', (c) => c.notNull().references('destinations.id').onDelete('restrict'))
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('sync_configs_app_provider', ['application_id', 'provider_id'])
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id').onDelete('restrict'))
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('available'))
    .addColumn('instance_url', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('provider_user_id', 'text')
    // Non-secret connector parameters (e.g. a subdomain); secrets and tokens are encrypted apart.
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('credentials_encrypted', 'text')
    .addColumn('connection_sync_config', 'jsonb')
    .addColumn('schema_mappings_config', 'jsonb')
    .addColumn('entity_mappings', 'jsonb')
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .addUniqueConstraint('connections_customer_provider', ['application_id', 'customer_id', 'provider_id'])
    .execute();

  await db.schema
    .createTable('magic_links')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', now)
    .execute();

  await db.schema
    .createTable('syncs')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('connection_id', 'uuid', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('sync_config_id', 'uuid', (c) => c.notNull().references('sync_configs.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull()) // object | entity
    .addColumn('object_type', 'text') // common | standard | custom
    .addColumn('object', 'text')
    .addColumn('entity_id', 'uuid')
    .addColumn('paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('pause_reason', 'text')
    // Engine state: saved incremental cursor, strategy bookkeeping, pending full refresh.
    .addColumn('state', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', now)
    .addColumn('updated_at', 'timestamptz', now)
    .execute();
  await sql`create unique index syncs_connection_object on syncs (connection_id, object_type, object) where type = 'object'`.execute(db);
  await sql`create unique index syncs_connection_entity on syncs (connection_id, entity_id) where type = 'entity'`.execute(db);
  await db.schema.createIndex('syncs_app').on('syncs').columns(['application_id', 'id']).execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'uuid', id)
    .addColumn('application_id', 'uuid', app)
    .addColumn('sync_id', 'uuid', (c) => c.notNull().references('syncs.id').onDelete('cascade'))
    .addColumn('connection_id', 'uuid', (c) => c.notNull())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text')
    .addColumn('object', 'text')
    .addColumn('entity_id', 'uuid')
    .addColumn('status', 'text', (c) => c.notNull()) // IN_PROGRESS | SUCCESS | FAILURE
    .addColumn('strategy', 'text', (c) => c.notNull()) // full | incremental
    .addColumn('error_message', 'text')
    .addColumn('num_records_synced', 'bigint', (c) => c.notNull().defaultTo(0))
    // Resume point: the last committed page and batch of this run.
    .addColumn('progress', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('start_timestamp', 'timestamptz', now)
    .addColumn('end_timestamp', 'timestamptz')
    .execute();
  await db.schema.createIndex('sync_runs_app_start').on('sync_runs').columns(['application_id', 'start_timestamp', 'id']).execute();
  await db.schema.createIndex('sync_runs_sync').on('sync_runs').columns(['sync_id', 'start_timestamp']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['sync_runs', 'syncs', 'magic_links', 'connections', 'sync_configs', 'entities', 'schemas', 'destinations', 'providers', 'customers']) {
    await db.schema.dropTable(t).execute();
  }
}
