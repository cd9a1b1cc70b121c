/**
 * One of every Management API resource, created through the real API, and a valid request
 * for every operation of the reference spec built from them. Shared by the contract,
 * cross-tenant and fuzz tests.
 */
import { expect } from 'vitest';
import { upsertConnector } from '../../db/repositories/connectors';
import { startTestApi, type ApiClient, type TestApi } from './api';
import { createEmptyDatabase, postgresDestinationConfig } from './db';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './source-api';
import { ok } from './sync-scenario';
import { startDevServerWorker, uniqueTaskQueue, type DevServerWorker } from './temporal';
import type { SpecOperation } from './reference-spec';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ContractIds {
  customerId: string;
  providerName: string;
  providerId: string;
  destinationId: string;
  destinationName: string;
  /** The destination's config without secrets (what PUT needs to keep it pointing at the real database). */
  destinationConfig: Record<string, unknown>;
  schemaId: string;
  entityId: string;
  syncConfigId: string;
  connectionId: string;
  magicLinkId: string;
  syncId: string;
  /** Undefined unless the scenario ran a sync (withRun). */
  syncRunId?: string;
}

export interface ContractScenario {
  api: TestApi;
  tenant: ApiClient;
  source: SourceApi;
  worker?: DevServerWorker;
  ids: ContractIds;
  close(): Promise<void>;
}

export const CONTACTS_OBJECT = 'contacts';

/**
 * customer → connector → schema → entity → provider (objects with the schema, entity mapping)
 * → destination (Postgres on a real empty database) → sync config → connection (syncs) →
 * connection sync config → field mapping → entity mapping → magic link; with `withRun`, a real
 * worker runs the connection's first sync to completion (one SUCCESS sync run).
 */
export async function buildContractScenario(opts: { withRun?: boolean; customerId?: string; providerName?: string } = {}): Promise<ContractScenario> {
  const taskQueue = uniqueTaskQueue('contract');
  const api = await startTestApi({ taskQueue });
  const closers: Array<() => Promise<unknown>> = [() => api.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const source = await startSourceApi(makeContacts(5));
    closers.push(() => source.close());
    const dest = await createEmptyDatabase('contract_dest');
    closers.push(() => dest.drop());
    const worker = opts.withRun ? await startDevServerWorker({ db: api.tdb.db, taskQueue }) : undefined;
    if (worker) closers.push(() => worker.close());

    const tenant = await api.newTenant('contract-tenant');
    const customerId = opts.customerId ?? 'contract-customer';
    // A declarative connector published under a provider name the reference knows, so responses
    // carry a `provider_name` inside the reference's enum (any connector name is an extension).
    const providerName = opts.providerName ?? 'linear';

    await ok(tenant.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Contract Customer', email: 'contract@example.com' } }), 200, 'PUT /customers');
    await upsertConnector(api.tdb.db, tenant.applicationId, providerName, sourceConnector(providerName));
    const schema = await ok(
      tenant.request('POST', '/schemas', {
        body: { name: 'contact-schema', config: { fields: [{ name: 'full_name' }, { name: 'email', mapped_name: 'email' }], allow_additional_field_mappings: true } },
      }),
      201,
      'POST /schemas',
    );
    const entity = await ok(
      tenant.request('POST', '/entities', { body: { name: 'person', config: { fields: [{ name: 'name' }, { name: 'email' }], allow_additional_field_mappings: false } } }),
      201,
      'POST /entities',
    );
    const provider = await ok(
      tenant.request('POST', '/providers', {
        body: { auth_type: 'api_key', category: 'no_category', name: providerName, objects: { standard: [{ name: CONTACTS_OBJECT, schema_id: schema.id }] } },
      }),
      201,
      'POST /providers',
    );
    await ok(
      tenant.request('PUT', `/providers/${provider.id}`, {
        body: {
          auth_type: 'api_key',
          category: 'no_category',
          name: providerName,
          entity_mappings: [{ entity_id: entity.id, object: { type: 'standard', name: CONTACTS_OBJECT }, field_mappings: [{ entity_field: 'name', mapped_field: 'name' }] }],
        },
      }),
      200,
      'PUT /providers/{id}',
    );
    const destination = await ok(
      tenant.request('POST', '/destinations', { body: { name: 'warehouse', type: 'postgres', config: postgresDestinationConfig(dest.url) } }),
      201,
      'POST /destinations',
    );
    const syncConfig = await ok(
      tenant.request('POST', '/sync_configs', {
        body: {
          destination_name: 'warehouse',
          provider_name: providerName,
          config: {
            default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: !!worker },
            standard_objects: [{ object: CONTACTS_OBJECT }],
          },
        },
      }),
      201,
      'POST /sync_configs',
    );
    const connect = () =>
      ok(
        tenant.request('POST', `/customers/${customerId}/connections`, {
          body: { provider_name: providerName, type: 'api_key', api_key: source.apiKey, params: { base_url: source.url } },
        }),
        200,
        'POST /customers/{id}/connections',
      );
    let connection: any;
    let syncRunId: string | undefined;
    if (worker) {
      await worker.run(async () => {
        connection = await connect();
        syncRunId = (await waitForFinishedRun(tenant, customerId)).id;
      });
    } else {
      connection = await connect();
    }
    // A declarative connector has no logged-in user to ask for (422): store one, so the walk sees the stored-value 200.
    await api.tdb.db.updateTable('connections').set({ provider_user_id: 'provider-user-1' }).where('id', '=', connection.id).execute();

    const headers = { 'x-customer-id': customerId, 'x-provider-name': providerName };
    await ok(
      tenant.request('PUT', '/connection_sync_configs', {
        headers,
        body: { destination_config: { type: 'postgres', schema: 'public' }, standard_objects: [{ object: CONTACTS_OBJECT }] },
      }),
      200,
      'PUT /connection_sync_configs',
    );
    await ok(
      tenant.request('PUT', '/field_mappings/_update_object', {
        headers,
        body: { name: CONTACTS_OBJECT, type: 'standard', field_mappings: [{ schema_field: 'full_name', mapped_field: 'name' }] },
      }),
      200,
      'PUT /field_mappings/_update_object',
    );
    await ok(
      tenant.request('PUT', `/entity_mappings/${entity.id}`, {
        headers,
        body: { entity_id: entity.id, object: { type: 'standard', name: CONTACTS_OBJECT }, field_mappings: [{ entity_field: 'email', mapped_field: 'email' }] },
      }),
      200,
      'PUT /entity_mappings/{id}',
    );
    const magicLink = await ok(
      tenant.request('POST', '/magic_links', { body: { customer_id: customerId, provider_name: providerName, return_url: 'https://app.example.com/done', expiration_secs: 3600 } }),
      201,
      'POST /magic_links',
    );
    const syncs = await ok(tenant.request('GET', `/syncs?customer_id=${encodeURIComponent(customerId)}`), 200, 'GET /syncs');
    expect(syncs.results.length, 'the connection has a sync').toBeGreaterThan(0);

    return {
      api,
      tenant,
      source,
      worker,
      ids: {
        customerId,
        providerName,
        providerId: provider.id,
        destinationId: destination.id,
        destinationName: destination.name,
        destinationConfig: destination.config,
        schemaId: schema.id,
        entityId: entity.id,
        syncConfigId: syncConfig.id,
        connectionId: connection.id,
        magicLinkId: magicLink.id,
        syncId: syncs.results[0].id,
        syncRunId,
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function waitForFinishedRun(tenant: ApiClient, customerId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await tenant.request('GET', `/sync-runs?customer_id=${encodeURIComponent(customerId)}`);
    const done = (res.body?.results ?? []).find((r: { status: string }) => r.status !== 'IN_PROGRESS');
    if (done) {
      expect(done.status, JSON.stringify(done)).toBe('SUCCESS');
      return done as { id: string };
    }
    if (Date.now() > deadline) throw new Error(`no sync run finished: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// --- valid requests for every operation ---------------------------------------------------

export interface PlannedRequest {
  /** Path under /mgmt/v2, parameters filled in, query string included. */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export const fillPath = (template: string, params: Record<string, string>) =>
  template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return encodeURIComponent(v);
  });

/** Values for every path/query/header parameter name the spec uses, from the scenario. */
export function parameterValues(ids: ContractIds): Record<string, string> {
  return {
    customer_id: ids.customerId,
    provider_name: ids.providerName,
    destination_id: ids.destinationId,
    magic_link_id: ids.magicLinkId,
    entity_id: ids.entityId,
    schema_id: ids.schemaId,
    provider_id: ids.providerId,
    sync_config_id: ids.syncConfigId,
    'x-customer-id': ids.customerId,
    'x-provider-name': ids.providerName,
  };
}

/** Request bodies valid for the scenario's resources, keyed like SpecOperation.key. */
export function validBodies(ids: ContractIds, s: { source: SourceApi }, fresh = 'extra'): Record<string, unknown> {
  const schemaConfig = { fields: [{ name: 'full_name' }, { name: 'email', mapped_name: 'email' }], allow_additional_field_mappings: true };
  const entityConfig = { fields: [{ name: 'name' }, { name: 'email' }], allow_additional_field_mappings: false };
  return {
    'PUT /customers': { customer_id: ids.customerId, name: 'Contract Customer', email: 'contract@example.com' },
    'POST /destinations': {
      name: `warehouse-${fresh}`,
      type: 'postgres',
      config: { host: '127.0.0.1', port: 5432, database: 'elsewhere', schema: 'public', user: 'u', password: 'p', ssl_mode: 'disable' },
    },
    // Omitted password: the stored one is kept. `version` must be current: callers that PUT more than once re-read it.
    'PUT /destinations/{destination_id}': { name: ids.destinationName, type: 'postgres', version: 1, config: ids.destinationConfig },
    'POST /magic_links': { customer_id: ids.customerId, provider_name: ids.providerName, return_url: 'https://app.example.com/done', expiration_secs: 600 },
    'PUT /field_mappings/_update_object': { name: CONTACTS_OBJECT, type: 'standard', field_mappings: [{ schema_field: 'full_name', mapped_field: 'name' }] },
    'PUT /entity_mappings/{entity_id}': {
      entity_id: ids.entityId,
      object: { type: 'standard', name: CONTACTS_OBJECT },
      field_mappings: [{ entity_field: 'email', mapped_field: 'email' }],
    },
    'POST /schemas': { name: `schema-${fresh}`, config: schemaConfig },
    'PUT /schemas/{schema_id}': { name: 'contact-schema', config: schemaConfig },
    'POST /entities': { name: `entity-${fresh}`, config: entityConfig },
    'PUT /entities/{entity_id}': { name: 'person', config: entityConfig },
    'POST /providers': { auth_type: 'api_key', category: 'no_category', name: 'intercom' },
    'PUT /providers/{provider_id}': {
      auth_type: 'api_key',
      category: 'no_category',
      name: ids.providerName,
      objects: { standard: [{ name: CONTACTS_OBJECT, schema_id: ids.schemaId }] },
      entity_mappings: [{ entity_id: ids.entityId, object: { type: 'standard', name: CONTACTS_OBJECT }, field_mappings: [{ entity_field: 'name', mapped_field: 'name' }] }],
    },
    'POST /sync_configs': {
      destination_name: ids.destinationName,
      provider_name: 'intercom',
      config: { default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: false }, standard_objects: [{ object: 'conversations' }] },
    },
    'PUT /sync_configs/{sync_config_id}': {
      config: { default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: false }, standard_objects: [{ object: CONTACTS_OBJECT }] },
    },
    'PUT /connection_sync_configs': { destination_config: { type: 'postgres', schema: 'public' }, standard_objects: [{ object: CONTACTS_OBJECT }] },
    'POST /customers/{customer_id}/connections': { provider_name: ids.providerName, type: 'api_key', api_key: s.source.apiKey, params: { base_url: s.source.url } },
    'POST /syncs/_pause': { object_type: 'standard', object: CONTACTS_OBJECT },
    'POST /syncs/_resume': { object_type: 'standard', object: CONTACTS_OBJECT },
    'POST /syncs/_trigger': { object_type: 'standard', object: CONTACTS_OBJECT },
  };
}

/** Query strings that make an operation valid (required query parameters). */
export function validQueries(ids: ContractIds): Record<string, Record<string, string>> {
  return {
    'GET /customers/{customer_id}/connections/_provider_user_id': { provider_name: ids.providerName },
    'GET /syncs': { customer_id: ids.customerId, page_size: '10' },
    'GET /sync-runs': { customer_id: ids.customerId, page_size: '10' },
    'DELETE /sync_configs/{sync_config_id}': { force_delete_syncs: 'true' },
  };
}

/** A valid request for `op` against the scenario's resources. */
export function plannedRequest(op: SpecOperation, ids: ContractIds, s: { source: SourceApi }, fresh = 'extra'): PlannedRequest {
  const values = parameterValues(ids);
  const headers: Record<string, string> = {};
  for (const p of op.parameters) if (p.in === 'header' && p.required) headers[p.name] = values[p.name] ?? 'x';
  const query = validQueries(ids)[op.key];
  const qs = query ? `?${new URLSearchParams(query)}` : '';
  const bodies = validBodies(ids, s, fresh);
  if (op.requestSchema && !(op.key in bodies)) throw new Error(`no valid body planned for ${op.key}`);
  return { path: fillPath(op.path, values) + qs, headers, ...(op.requestSchema ? { body: bodies[op.key] } : {}) };
}
