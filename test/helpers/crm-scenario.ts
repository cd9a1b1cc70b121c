/**
 * End-to-end set-up for built-in CRM providers through the real API: customer →
 * oauth2 provider (client id/secret) → Postgres destination → sync config with common,
 * standard and custom objects → connection with OAuth tokens (which starts the syncs).
 */
import type pg from 'pg';
import { postgresDestinationConfig } from './db';
import { ok, type Scenario } from './sync-scenario';

export interface CrmSetup {
  providerName: 'hubspot' | 'salesforce' | 'pipedrive';
  clientId: string;
  clientSecret: string;
  common: string[];
  standard: string[];
  custom?: string[];
  customerId?: string;
  strategy?: 'full then incremental' | 'full only';
}

export async function configureCrm(s: Omit<Scenario, 'customerId' | 'providerName'>, o: CrmSetup) {
  const customerId = o.customerId ?? 'crm-customer';
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Cust', email: 'c@example.com' } }));
  await ok(
    s.tenant.request('POST', '/providers', {
      body: {
        category: 'crm',
        auth_type: 'oauth2',
        name: o.providerName,
        config: { oauth: { oauth_scopes: ['crm'], credentials: { oauth_client_id: o.clientId, oauth_client_secret: o.clientSecret } } },
      },
    }),
    201,
  );
  await ok(s.tenant.request('POST', '/destinations', { body: { name: 'warehouse', type: 'postgres', config: postgresDestinationConfig(s.dest.url) } }), 201);
  await ok(
    s.tenant.request('POST', '/sync_configs', {
      body: {
        destination_name: 'warehouse',
        provider_name: o.providerName,
        config: {
          default_config: { period_ms: 3_600_000, strategy: o.strategy ?? 'full then incremental', auto_start_on_connection: true },
          common_objects: o.common.map((object) => ({ object })),
          standard_objects: o.standard.map((object) => ({ object })),
          ...(o.custom ? { custom_objects: o.custom.map((object) => ({ object })) } : {}),
        },
      },
    }),
    201,
  );
  return {
    customerId,
    connect: (creds: { access_token: string; refresh_token: string; expires_at?: string; instance_url?: string; login_url?: string }) =>
      ok(s.tenant.request('POST', `/customers/${customerId}/connections`, { body: { provider_name: o.providerName, type: 'oauth2', ...creds } })),
    trigger: (object_type: 'common' | 'standard' | 'custom', object: string, perform_full_refresh = false) =>
      ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': o.providerName },
          body: { object_type, object, perform_full_refresh },
        }),
      ),
  };
}

/** Rows of a destination table, by id. */
export async function tableRows(pool: pg.Pool, table: string) {
  const { rows } = await pool.query(
    `select _supaglue_id as id, _supaglue_is_deleted as deleted, _supaglue_raw_data as raw, _supaglue_last_modified_at as modified${
      table.startsWith('crm_') ? ', _supaglue_unified_data as unified' : ''
    } from public."${table}" order by _supaglue_id`,
  );
  return rows as Array<{ id: string; deleted: boolean; raw: Record<string, any>; modified: Date; unified?: Record<string, any> }>;
}

export async function syncStates(tenant: Scenario['tenant'], customerId: string) {
  const body = await ok(tenant.request('GET', `/syncs?customer_id=${customerId}&page_size=100`));
  return body.results as Array<{ object: string; object_type: string; paused: boolean; pause_reason: string | null }>;
}
