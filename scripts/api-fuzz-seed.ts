/**
 * One of each resource for the fuzz run, made through the public API (and the CLI for the
 * application), so generated requests that name them reach real records.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface Seeded {
  applicationId: string;
  apiKey: string;
  customerId: string;
  providerName: string;
  providerId: string;
  destinationId: string;
  syncConfigId: string;
  magicLinkId: string;
  schemaId: string;
  entityId: string;
  integrationId: string;
  /** A second set, for the DELETE operations: the first must outlive the run. */
  doomed: { customerId: string; providerId: string; destinationId: string; syncConfigId: string; magicLinkId: string; schemaId: string; entityId: string };
}

export async function seed(origin: string, cli: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Seeded> {
  const created = spawnSync(path.join(cli.cwd, 'node_modules/.bin/tsx'), ['cli.ts', 'applications', 'create', '--name', 'api-fuzz'], { ...cli, encoding: 'utf8' });
  const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1];
  const apiKey = created.stdout.trim().split('\n').at(-1);
  if (created.status !== 0 || !id || !apiKey) throw new Error(`creating the application failed: ${created.stderr}`);

  const call = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${origin}/mgmt/v2${route}`, {
      method,
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`seeding: ${method} ${route} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const customerId = 'fuzz-customer';
  await call('PUT', '/customers', { customer_id: customerId, name: 'Fuzz Inc', email: 'ops@fuzz.example' });
  // A declarative connector on this API's own customer list: its syncs run without the internet.
  const providerName = 'fuzz-customers';
  await call('PUT', `/connectors/${providerName}`, {
    id: providerName,
    name: 'Fuzz customers',
    base_url: '{config.base_url}',
    auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
    parameters: [
      { name: 'base_url', required: true },
      { name: 'api_key', required: true, secret: true },
    ],
    streams: [{ id: 'customers', name: 'Customers', path: '/customers', primary_key: 'customer_id', records_selector: '$' }],
  });
  const provider = await call('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name: providerName });
  // An OAuth provider, so provider responses carry credentials (and their secret placeholder).
  await call('POST', '/providers', {
    category: 'crm',
    auth_type: 'oauth2',
    name: 'hubspot',
    config: { oauth: { oauth_scopes: ['crm.objects.contacts.read'], credentials: { oauth_client_id: 'fuzz-client', oauth_client_secret: 'fuzz-secret' } } },
  });
  const destination = await call('POST', '/destinations', {
    name: 'fuzz-warehouse',
    type: 'postgres',
    config: { host: '127.0.0.1', port: 5432, database: 'fuzz', schema: 'synced', user: 'postgres', password: 'postgres', ssl_mode: 'disable' },
  });
  const syncConfig = await call('POST', '/sync_configs', {
    destination_name: 'fuzz-warehouse',
    provider_name: providerName,
    config: { default_config: { period_ms: 3_600_000, strategy: 'full only' }, standard_objects: [{ object: 'customers' }] },
  });
  await call('POST', `/customers/${customerId}/connections`, {
    provider_name: providerName,
    type: 'api_key',
    api_key: apiKey,
    params: { base_url: `${origin}/mgmt/v2` },
  });
  const link = await call('POST', '/magic_links', { customer_id: customerId, provider_name: providerName, return_url: 'https://example.com/done', expiration_secs: 3600 });
  const schema = await call('POST', '/schemas', { name: 'fuzz-schema', config: { fields: [{ name: 'email', mapped_name: 'email' }], allow_additional_field_mappings: true } });
  const entity = await call('POST', '/entities', { name: 'fuzz-entity', config: { fields: [{ name: 'email' }], allow_additional_field_mappings: true } });

  const doomedCustomer = 'fuzz-doomed';
  await call('PUT', '/customers', { customer_id: doomedCustomer, name: 'Doomed Inc', email: 'ops@doomed.example' });
  await call('POST', `/customers/${doomedCustomer}/connections`, { provider_name: providerName, type: 'api_key', api_key: apiKey, params: { base_url: `${origin}/mgmt/v2` } });
  const doomedProvider = await call('POST', '/providers', {
    category: 'crm',
    auth_type: 'oauth2',
    name: 'salesforce',
    config: { oauth: { oauth_scopes: ['api'], credentials: { oauth_client_id: 'fuzz-client', oauth_client_secret: 'fuzz-secret' } } },
  });
  const doomedDestination = await call('POST', '/destinations', {
    name: 'fuzz-doomed',
    type: 'postgres',
    config: { host: '127.0.0.1', port: 5432, database: 'fuzz', schema: 'doomed', user: 'postgres', password: 'postgres', ssl_mode: 'disable' },
  });
  const doomedSyncConfig = await call('POST', '/sync_configs', {
    destination_name: 'fuzz-doomed',
    provider_name: 'hubspot',
    config: { default_config: { period_ms: 3_600_000, strategy: 'full only' }, standard_objects: [{ object: 'contacts' }] },
  });
  const doomedLink = await call('POST', '/magic_links', {
    customer_id: doomedCustomer,
    provider_name: providerName,
    return_url: 'https://example.com/done',
    expiration_secs: 3600,
  });
  const doomedSchema = await call('POST', '/schemas', {
    name: 'fuzz-doomed',
    config: { fields: [{ name: 'email', mapped_name: 'email' }], allow_additional_field_mappings: true },
  });
  const doomedEntity = await call('POST', '/entities', { name: 'fuzz-doomed', config: { fields: [{ name: 'email' }], allow_additional_field_mappings: true } });

  const integrations = await fetch(`${origin}/v1/hubs/current/integrations`, { headers: { 'x-api-key': apiKey, 'X-Hub-Id': customerId } });
  const list = (await integrations.json()) as { data?: Array<{ id: string }> };
  const integrationId = list.data?.[0]?.id;
  if (!integrationId) throw new Error(`seeding: no integration listed for ${customerId}: ${JSON.stringify(list)}`);

  return {
    applicationId: id,
    apiKey,
    customerId,
    providerName,
    providerId: provider.id,
    destinationId: destination.id,
    syncConfigId: syncConfig.id,
    magicLinkId: link.id,
    schemaId: schema.id,
    entityId: entity.id,
    integrationId,
    doomed: {
      customerId: doomedCustomer,
      providerId: doomedProvider.id,
      destinationId: doomedDestination.id,
      syncConfigId: doomedSyncConfig.id,
      magicLinkId: doomedLink.id,
      schemaId: doomedSchema.id,
      entityId: doomedEntity.id,
    },
  };
}
