/**
 * The connector catalog through the API: the built-in providers and the application's published
 * declarative connectors, described alike and grouped by category; another application's connectors
 * never show; a sync config's supported connectors are its provider's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { insertDestination, insertProvider } from './helpers/fixtures';
import { sourceConnector } from './helpers/source-api';
import { useTenants } from './helpers/tenants';

const { api, a, b } = useTenants();

const published = {
  ...sourceConnector('acme-crm'),
  logo_url: 'https://acme.example/logo.svg',
  domain: 'acme.example',
  parameters: [
    { name: 'base_url', label: 'Base URL', required: true },
    { name: 'api_key', label: 'API key', required: true, secret: true, description: 'Settings → API' },
    { name: 'region', required: false, default: 'eu' },
  ],
};
const syncConfig = (provider: string, object: string) => ({
  destination_name: 'warehouse',
  provider_name: provider,
  config: { default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: false }, standard_objects: [{ object }] },
});

beforeAll(async () => {
  expect((await a.request('PUT', '/connectors/acme-crm', { body: published })).status).toBe(201);
  await insertDestination(api.tdb.db, a.applicationId, { name: 'warehouse', type: 'postgres' });
  expect((await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'acme-crm' } })).status).toBe(201);
  await insertProvider(api.tdb.db, a.applicationId, { name: 'hubspot', auth_type: 'oauth2' });
});

const builtinIds = ['hubspot', 'pipedrive', 'salesforce'];

describe('connector catalog', () => {
  it('lists the built-ins, with label, category, icon, description and parameters, and the published connector', async () => {
    const res = await a.request('GET', '/connector_catalog');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { connectors, categories } = res.body;
    expect(connectors.map((c: { id: string }) => c.id)).toEqual(['hubspot', 'pipedrive', 'salesforce', 'acme-crm']);
    const hubspot = connectors.find((c: { id: string }) => c.id === 'hubspot');
    expect(hubspot).toMatchObject({
      label: 'HubSpot',
      category: 'crm',
      auth_type: 'oauth2',
      source: 'builtin',
      supports_write: true,
      icon: expect.stringMatching(/^https:\/\//),
      description: expect.stringContaining('contacts'),
    });
    expect(hubspot.parameters.map((p: { name: string }) => p.name)).toEqual(['access_token', 'refresh_token', 'instance_url']);
    expect(hubspot.parameters[0]).toMatchObject({ secret: true, required: false });
    const salesforce = connectors.find((c: { id: string }) => c.id === 'salesforce');
    expect(salesforce.parameters.map((p: { name: string }) => p.name)).toContain('login_url');
    for (const c of connectors.filter((x: { source: string }) => x.source === 'builtin')) {
      expect(c.label.length, c.id).toBeGreaterThan(0);
      expect(c.description.length, c.id).toBeGreaterThan(20);
    }

    expect(connectors.at(-1)).toEqual({
      id: 'acme-crm',
      label: 'Acme CRM',
      category: 'no_category',
      auth_type: 'api_key',
      parameters: [
        { name: 'base_url', label: 'Base URL', required: true, secret: false },
        { name: 'api_key', label: 'API key', required: true, secret: true, description: 'Settings → API' },
        // A parameter with a default need not be given.
        { name: 'region', required: false, secret: false },
      ],
      icon: 'https://acme.example/logo.svg',
      description: 'Acme CRM (acme.example): Contacts',
      source: 'declarative',
      supports_write: false,
    });

    expect(categories.map((g: { category: string; connectors: Array<{ id: string }> }) => [g.category, g.connectors.map((c) => c.id)])).toEqual([
      ['crm', builtinIds],
      ['no_category', ['acme-crm']],
    ]);
  });

  it("another application sees the built-ins only, never this one's connectors", async () => {
    const res = await b.request('GET', '/connector_catalog');
    expect(res.status).toBe(200);
    expect(res.body.connectors.map((c: { id: string }) => c.id)).toEqual(builtinIds);
  });

  it("a sync config's supported connectors are its provider's; an unknown sync config is a 404", async () => {
    const acme = await a.request('POST', '/sync_configs', { body: syncConfig('acme-crm', 'contacts') });
    expect(acme.status, JSON.stringify(acme.body)).toBe(201);
    const hub = await a.request('POST', '/sync_configs', { body: syncConfig('hubspot', 'contacts') });
    expect(hub.status, JSON.stringify(hub.body)).toBe(201);

    const supported = await a.request('GET', `/sync_configs/${acme.body.id}/supported_connectors`);
    expect(supported.status).toBe(200);
    expect(supported.body.connectors.map((c: { id: string }) => c.id)).toEqual(['acme-crm']);
    expect(supported.body.categories).toEqual([{ category: 'no_category', connectors: supported.body.connectors }]);
    const hubSupported = await a.request('GET', `/sync_configs/${hub.body.id}/supported_connectors`);
    expect(hubSupported.body.connectors.map((c: { id: string }) => c.id)).toEqual(['hubspot']);

    expect((await a.request('GET', '/sync_configs/00000000-0000-0000-0000-000000000000/supported_connectors')).status).toBe(404);
    expect((await a.request('GET', '/sync_configs/not-a-uuid/supported_connectors')).status).toBe(404);
    // Another application's sync config is not found.
    expect((await b.request('GET', `/sync_configs/${acme.body.id}/supported_connectors`)).status).toBe(404);
  });
});

describe('the extensions of issue 14 in the OpenAPI document', () => {
  it('describes connection state, the catalog and discover jobs, each marked x-extension', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-extension'?: boolean; description?: string }>> };
    const state = '/customers/{customer_id}/connections/{provider_name}/_state';
    const jobs = '/customers/{customer_id}/connections/{provider_name}/_discover_jobs';
    const ops: Array<[string, string]> = [
      [state, 'get'],
      [state, 'put'],
      [state, 'delete'],
      ['/connector_catalog', 'get'],
      ['/sync_configs/{sync_config_id}/supported_connectors', 'get'],
      [jobs, 'post'],
      [`${jobs}/latest`, 'get'],
    ];
    for (const [path, method] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op?.['x-extension'], `${method} ${path}`).toBe(true);
      expect(op?.description, `${method} ${path}`).toMatch(/^Syncwell extension/);
    }
    expect(doc.paths[state]!.put!.description).toContain('409');
    expect(doc.paths[state]!.get!.description).toContain('common/contact');
  });
});
