/**
 * Builds the full chain through the real API: customer → provider → destination →
 * sync config → connector → connection, with a worker on the same task queue.
 */
import pg from 'pg';
import { expect } from 'vitest';
import { upsertConnector } from '../../db/repositories/connectors';
import { startTestApi, type ApiClient, type TestApi } from './api';
import { createEmptyDatabase, postgresDestinationConfig } from './db';
import { sourceConnector, type SourceApi } from './source-api';
import { startDevServerWorker, uniqueTaskQueue, type DevServerWorker } from './temporal';

export interface Scenario {
  api: TestApi;
  tenant: ApiClient;
  worker: DevServerWorker;
  dest: { url: string; name: string; drop(): Promise<void> };
  destPool: pg.Pool;
  customerId: string;
  providerName: string;
  close(): Promise<void>;
}

export async function startScenario(opts: { chunkBudgetMs?: number; withWorker?: boolean } = {}): Promise<Omit<Scenario, 'customerId' | 'providerName'>> {
  const taskQueue = uniqueTaskQueue('sync');
  const api = await startTestApi({ taskQueue });
  const worker = await startDevServerWorker({ db: api.tdb.db, taskQueue, chunkBudgetMs: opts.chunkBudgetMs });
  const tenant = await api.newTenant('sync-tenant');
  const dest = await createEmptyDatabase('dest');
  const destPool = new pg.Pool({ connectionString: dest.url, max: 2 });
  return {
    api,
    tenant,
    worker,
    dest,
    destPool,
    async close() {
      await destPool.end();
      await worker.close();
      await api.close();
      await dest.drop();
    },
  };
}

/** The body of a response that must have this status (`what` names the request in a failure). */
export async function ok<T = any>(p: Promise<{ status: number; body: T }>, status = 200, what = ''): Promise<T> {
  const res = await p;
  expect(res.status, `${what ? `${what} → ` : ''}${JSON.stringify(res.body)}`).toBe(status);
  return res.body;
}

/** Everything up to (not including) the connection, which starts the syncs. */
export async function configure(
  s: Omit<Scenario, 'customerId' | 'providerName'>,
  source: Pick<SourceApi, 'url' | 'apiKey'>,
  opts: {
    customerId?: string;
    providerName?: string;
    periodMs?: number;
    strategy?: 'full then incremental' | 'full only';
    fullSyncEveryNIncrementals?: number;
    pageSize?: number;
    autoStart?: boolean;
    /** Publish this definition through PUT /connectors/{providerName} instead of the built-in source connector. */
    connector?: Record<string, unknown>;
    /** Standard objects of the sync config (default: contacts). */
    standardObjects?: string[];
    /** The destination to create (default: the scenario's Postgres database, named `warehouse`). */
    destination?: { type: string; config: Record<string, unknown>; name?: string };
  } = {},
) {
  const customerId = opts.customerId ?? 'customer-1';
  const providerName = opts.providerName ?? 'acme-crm';
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Cust', email: 'c@example.com' } }));
  if (opts.connector) await ok(s.tenant.request('PUT', `/connectors/${providerName}`, { body: opts.connector }), 201);
  else await upsertConnector(s.api.tdb.db, s.tenant.applicationId, providerName, sourceConnector(providerName, opts.pageSize));
  await ok(s.tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: providerName } }), 201);
  const destinationName = opts.destination?.name ?? 'warehouse';
  await ok(
    s.tenant.request('POST', '/destinations', {
      body: opts.destination
        ? { name: destinationName, type: opts.destination.type, config: opts.destination.config }
        : { name: destinationName, type: 'postgres', config: postgresDestinationConfig(s.dest.url) },
    }),
    201,
  );
  await ok(
    s.tenant.request('POST', '/sync_configs', {
      body: {
        destination_name: destinationName,
        provider_name: providerName,
        config: {
          default_config: {
            period_ms: opts.periodMs ?? 3_600_000,
            strategy: opts.strategy ?? 'full then incremental',
            auto_start_on_connection: opts.autoStart ?? true,
            ...(opts.fullSyncEveryNIncrementals !== undefined ? { full_sync_every_n_incrementals: opts.fullSyncEveryNIncrementals } : {}),
          },
          standard_objects: (opts.standardObjects ?? ['contacts']).map((object) => ({ object })),
        },
      },
    }),
    201,
  );
  return {
    customerId,
    providerName,
    connect: () =>
      ok(
        s.tenant.request('POST', `/customers/${customerId}/connections`, {
          body: { provider_name: providerName, type: 'api_key', api_key: source.apiKey, params: { base_url: source.url } },
        }),
      ),
  };
}

export async function runs(tenant: ApiClient, customerId: string) {
  const body = await ok(tenant.request('GET', `/sync-runs?customer_id=${customerId}&page_size=100`));
  return body.results as Array<{ id: string; status: string; num_records_synced: number; error_message: string | null; start_timestamp: string }>;
}

/** Waits until `count` runs have finished (newest first in the result). */
export async function waitForRuns(tenant: ApiClient, customerId: string, count: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await runs(tenant, customerId);
    const finished = all.filter((r) => r.status !== 'IN_PROGRESS');
    if (finished.length >= count) return all;
    if (Date.now() > deadline) throw new Error(`only ${finished.length}/${count} runs finished: ${JSON.stringify(all)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function destinationRows(pool: pg.Pool, table = 'acme_crm_contacts') {
  const { rows } = await pool.query(
    `select _supaglue_id as id, _supaglue_is_deleted as deleted, _supaglue_raw_data as raw, _supaglue_customer_id as customer, _supaglue_last_modified_at as modified from public."${table}" order by _supaglue_id`,
  );
  return rows as Array<{ id: string; deleted: boolean; raw: Record<string, unknown>; customer: string; modified: Date }>;
}
