/**
 * One sync for a scenario, set up through the running API as a user would: a source simulator
 * (test/helpers/source-api.ts) described by a declarative connector, its provider, a Postgres
 * destination (the stack's destination database, through the outage proxy, in a schema of its
 * own), a sync config and a customer. Connecting the customer starts the sync's first run.
 * Afterwards, the destination is compared with the source, record by record.
 */
import { tableName } from '../../destinations/postgres/naming';
import { canonicalJson } from '../../lib/records';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from '../../test/helpers/source-api';
import type { Stack } from './stack';

export interface SyncUnderTest {
  name: string;
  source: SourceApi;
  schema: string;
  table: string;
  /** Creates the connection (its sync's first run starts) and returns the sync id. */
  connect(): Promise<string>;
  close(): Promise<void>;
}

export async function expectStatus(p: Promise<{ status: number; body: unknown }>, status: number, what: string): Promise<any> {
  const res = await p;
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function setUpSync(stack: Stack, name: string, opts: { records: number; pageSize?: number; autoStart?: boolean }): Promise<SyncUnderTest> {
  const source = await startSourceApi(makeContacts(opts.records));
  const schema = name.replace(/-/g, '_');
  try {
    await expectStatus(stack.request('PUT', `/connectors/${name}`, sourceConnector(name, opts.pageSize ?? 100)), 201, 'publishing the connector');
    await expectStatus(stack.request('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name }), 201, 'creating the provider');
    await expectStatus(stack.request('POST', '/destinations', { name, type: 'postgres', config: { ...stack.destConfig, schema } }), 201, 'creating the destination');
    await expectStatus(
      stack.request('POST', '/sync_configs', {
        destination_name: name,
        provider_name: name,
        config: {
          default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: opts.autoStart ?? true },
          standard_objects: [{ object: 'contacts' }],
        },
      }),
      201,
      'creating the sync config',
    );
    await expectStatus(stack.request('PUT', '/customers', { customer_id: name, name, email: `${name}@example.com` }), 200, 'creating the customer');
  } catch (err) {
    await source.close();
    throw err;
  }
  return {
    name,
    source,
    schema,
    table: tableName({ providerName: name, object: 'contacts', objectType: 'standard' }),
    async connect() {
      await expectStatus(
        stack.request('POST', `/customers/${name}/connections`, { provider_name: name, type: 'api_key', api_key: source.apiKey, params: { base_url: source.url } }),
        200,
        'creating the connection',
      );
      const { rows } = await stack.db.query<{ id: string }>(
        `select s.id from syncs s join connections c on c.id = s.connection_id join customers cu on cu.id = c.customer_id where cu.external_id = $1 and c.provider_name = $1`,
        [name],
      );
      if (rows.length !== 1) throw new Error(`expected one sync for ${name}, found ${rows.length}`);
      return rows[0]!.id;
    },
    close: () => source.close(),
  };
}

export interface RunRow {
  id: string;
  status: string;
  num_records_synced: number;
  error_message: string | null;
  progress: { seq?: number } & Record<string, unknown>;
}

export async function runsOf(stack: Stack, syncId: string): Promise<RunRow[]> {
  const { rows } = await stack.db.query(`select id, status, num_records_synced::int, error_message, progress from sync_runs where sync_id = $1 order by start_timestamp`, [syncId]);
  return rows as RunRow[];
}

/** Polls `cond` every 100 ms. */
export async function waitUntil(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the sync's first run has finished (either way) and returns it. */
export async function finishedRun(stack: Stack, syncId: string, timeoutMs: number): Promise<RunRow> {
  let run: RunRow | undefined;
  await waitUntil('the run to finish', timeoutMs, async () => {
    run = (await runsOf(stack, syncId)).find((r) => r.status !== 'IN_PROGRESS');
    return run !== undefined;
  });
  return run!;
}

export interface Comparison {
  source: number;
  destination: number;
  missing: number;
  duplicated: number;
  /** Rows whose id the source does not have, or whose data differs from the source's. */
  wrong: number;
}

export async function compare(stack: Stack, s: SyncUnderTest): Promise<Comparison> {
  const { rows } = await stack.dest.query<{ id: string; raw: unknown }>(`select _supaglue_id as id, _supaglue_raw_data as raw from "${s.schema}"."${s.table}"`).catch((err) => {
    if ((err as { code?: string }).code === '42P01') return { rows: [] as Array<{ id: string; raw: unknown }> };
    throw err;
  });
  const seen = new Map<string, number>();
  let wrong = 0;
  for (const r of rows) {
    seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    const expected = s.source.contacts.get(r.id);
    if (!expected || canonicalJson(r.raw) !== canonicalJson(expected)) wrong++;
  }
  const missing = [...s.source.contacts.keys()].filter((id) => !seen.has(id)).length;
  const duplicated = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  return { source: s.source.contacts.size, destination: rows.length, missing, duplicated, wrong };
}

/** The proof every sync scenario ends with: the run succeeded and the destination holds exactly the source. */
export function exact(c: Comparison, run: RunRow): { ok: boolean; text: string } {
  const ok = c.missing === 0 && c.duplicated === 0 && c.wrong === 0 && c.destination === c.source && run.status === 'SUCCESS' && run.num_records_synced === c.source;
  const extra = c.wrong ? `, wrong ${c.wrong}` : '';
  return {
    ok,
    text: `source ${c.source}, destination ${c.destination}, missing ${c.missing}, duplicated ${c.duplicated}${extra}; run ${run.status} with ${run.num_records_synced} records${run.error_message ? ` (${run.error_message})` : ''}`,
  };
}
