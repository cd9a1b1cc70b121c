/**
 * Rows straight into our database for tests of what the API reads back (lists, counts): a
 * customer with one HubSpot connection and a sync config to a Postgres destination. Creating
 * them through the API would start schedules these tests do not need.
 */
import type { Db } from '../../db/connection';

export interface SeededConnection {
  customerId: string;
  connectionId: string;
  syncConfigId: string;
}

export async function seedConnection(db: Db, applicationId: string): Promise<SeededConnection> {
  const app = applicationId;
  const customer = await db
    .insertInto('customers')
    .values({ application_id: app, external_id: 'acme', name: 'Acme', email: 'ops@acme.example' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const provider = await db
    .insertInto('providers')
    .values({ application_id: app, name: 'hubspot', category: 'crm', auth_type: 'oauth2' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const destination = await db.insertInto('destinations').values({ application_id: app, name: 'warehouse', type: 'postgres' }).returning('id').executeTakeFirstOrThrow();
  const syncConfig = await db
    .insertInto('sync_configs')
    .values({
      application_id: app,
      provider_id: provider.id,
      destination_id: destination.id,
      config: JSON.stringify({ default_config: { period_ms: 3600000, strategy: 'full only' } }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const connection = await db
    .insertInto('connections')
    .values({ application_id: app, customer_id: customer.id, provider_id: provider.id, provider_name: 'hubspot', category: 'crm' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { customerId: customer.id, connectionId: connection.id, syncConfigId: syncConfig.id };
}
