/**
 * BigQuery destination against a real emulator (bqemulator, DuckDB-backed; installed by
 * scripts/install-bigquery-emulator.sh) on loopback, behind a recording proxy so the request
 * sequence can be asserted too. What an emulator cannot show (IAM, OAuth) is covered by the
 * error mapping and a local key-signing failure.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bigqueryDestinationConfigSchema, createBigQueryWriter, stagingTableName, tableName, toBigQueryError } from '../destinations/bigquery';
import type { DestinationRecord, DestinationWriter, WriteTarget } from '../destinations/types';
import { startBigQueryEmulator, type BigQueryEmulator } from './helpers/bigquery-emulator';
import { startRequestRecorder, type RequestRecorder } from './helpers/bigquery-recorder';

const PROJECT = 'test-project';
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nnot-a-real-key-SECRET123\n-----END PRIVATE KEY-----\n';
const credentials = { client_email: 'sync@test-project.iam.gserviceaccount.com', private_key: PRIVATE_KEY };

const contacts: WriteTarget = { applicationId: 'app1', customerId: 'cust1', providerName: 'hubspot', object: 'contact', objectType: 'common' };
const deals: WriteTarget = { applicationId: 'app1', customerId: 'cust1', providerName: 'hubspot', object: 'deals', objectType: 'standard' };

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function rec(id: string, emittedAt: Date, extra: Partial<DestinationRecord> = {}): DestinationRecord {
  return { id, lastModifiedAt: at(-60), isDeleted: false, emittedAt, raw: { id, name: `n${id}` }, mapped: {}, ...extra };
}

let emulator: BigQueryEmulator;
let recorder: RequestRecorder;
let bq: BigQuery;
let datasetSeq = 0;

beforeAll(async () => {
  emulator = await startBigQueryEmulator({ projectId: PROJECT });
  recorder = await startRequestRecorder(emulator.endpoint);
  bq = new BigQuery({ projectId: PROJECT, apiEndpoint: emulator.endpoint, authClient: new PassThroughClient() });
}, 300_000);

afterAll(async () => {
  await recorder?.close();
  await emulator?.stop();
});

/** A fresh dataset per test, through the recording proxy. */
function newWriter(): { writer: DestinationWriter; dataset: string } {
  const dataset = `ds_${process.pid}_${++datasetSeq}`;
  const writer = createBigQueryWriter({ project_id: PROJECT, dataset, credentials, api_endpoint: recorder.endpoint });
  return { writer, dataset };
}

async function rows(dataset: string, table: string, customerId = 'cust1') {
  const [result] = await bq.query({
    query: `SELECT * FROM \`${PROJECT}\`.\`${dataset}\`.\`${table}\` WHERE _supaglue_customer_id = @c ORDER BY _supaglue_id`,
    params: { c: customerId },
  });
  return (result as Record<string, any>[]).map((r) => ({
    id: r._supaglue_id as string,
    app: r._supaglue_application_id as string,
    provider: r._supaglue_provider_name as string,
    emittedAt: r._supaglue_emitted_at?.value as string,
    lastModifiedAt: (r._supaglue_last_modified_at?.value ?? null) as string | null,
    deleted: r._supaglue_is_deleted as boolean,
    raw: JSON.parse(r._supaglue_raw_data),
    mapped: JSON.parse(r._supaglue_mapped_data),
    ...('_supaglue_unified_data' in r ? { unified: r._supaglue_unified_data === null ? null : JSON.parse(r._supaglue_unified_data) } : {}),
  }));
}

async function tableIds(dataset: string): Promise<string[]> {
  const [tables] = await bq.dataset(dataset).getTables();
  return tables.map((t) => t.id!).sort();
}

describe('naming and config', () => {
  it('derives table names', () => {
    expect(tableName(contacts)).toBe('crm_contacts');
    expect(tableName({ ...contacts, object: 'opportunity' })).toBe('crm_opportunities');
    expect(tableName(deals)).toBe('hubspot_deals');
    expect(tableName({ ...deals, providerName: 'ms-dynamics', object: 'Custom Obj__c' })).toBe('ms_dynamics_custom_obj_c');
    expect(tableName({ ...deals, table: 'my_deals' })).toBe('my_deals');
    expect(() => tableName({ ...deals, table: 'x`; DROP TABLE y' })).toThrow(/invalid BigQuery table id/);
    expect(stagingTableName('hubspot_deals', 'run-1', 3)).toBe(stagingTableName('hubspot_deals', 'run-1', 3));
    expect(stagingTableName('hubspot_deals', 'run-1', 3)).not.toBe(stagingTableName('hubspot_deals', 'run-2', 3));
  });

  it('accepts credentials as an object or JSON text and rejects bad identifiers', () => {
    const base = { project_id: 'my-proj', dataset: 'my_ds' };
    expect(bigqueryDestinationConfigSchema.parse({ ...base, credentials: JSON.stringify(credentials) }).credentials.client_email).toBe(credentials.client_email);
    expect(bigqueryDestinationConfigSchema.safeParse({ ...base, credentials }).success).toBe(true);
    expect(bigqueryDestinationConfigSchema.safeParse({ ...base, dataset: 'bad-name', credentials }).success).toBe(false);
    expect(bigqueryDestinationConfigSchema.safeParse({ ...base, credentials: { client_email: 'x' } }).success).toBe(false);
  });

  it('maps API failures to readable, classified errors', () => {
    const denied = toBigQueryError({ code: 403, message: 'Access Denied: Dataset p:ds', errors: [{ reason: 'accessDenied' }] }, 'dataset `p.ds`');
    expect(denied.message).toMatch(/permission denied/);
    expect(denied.pausesSync).toBe(true);
    const quota = toBigQueryError({ code: 403, message: 'Quota exceeded', errors: [{ reason: 'quotaExceeded' }] }, 'x');
    expect(quota.kind).toBe('transient');
    expect(toBigQueryError({ response: { status: 400 }, message: 'invalid_grant: Invalid JWT Signature.' }, 'x').message).toMatch(/invalid credentials/);
    expect(toBigQueryError({ code: 503, message: 'backend error' }, 'x').pausesSync).toBe(false);
    // Failed jobs carry only errors[].reason, no HTTP status.
    const jobNotFound = toBigQueryError({ message: 'Not found: Table p:ds.t', errors: [{ reason: 'notFound' }] }, 'table `p.ds.t`');
    expect([jobNotFound.kind, jobNotFound.message]).toEqual(['configuration', 'BigQuery table not found (table `p.ds.t`): Not found: Table p:ds.t']);
    const concurrent = toBigQueryError({ code: 400, message: 'Could not serialize access to table p:ds.t due to concurrent update', errors: [{ reason: 'invalidQuery' }] }, 'x');
    expect(concurrent.kind).toBe('transient');
  });
});

describe('BigQuery writer against the emulator', { timeout: 60_000 }, () => {
  beforeEach(() => recorder.clear());

  it('prepare creates the dataset and the table with the Supaglue columns, idempotently', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(contacts);
    await writer.prepare(contacts);
    await writer.prepare(deals);
    expect(await tableIds(dataset)).toEqual(['crm_contacts', 'hubspot_deals']);
    const [meta] = await bq.dataset(dataset).table('crm_contacts').getMetadata();
    // BigQuery reports BOOL as BOOLEAN; the emulator echoes what was sent.
    const described = meta.schema.fields.map((f: { name: string; type: string }) => `${f.name} ${f.type.replace(/^BOOLEAN$/, 'BOOL')}`);
    expect(described).toEqual([
      '_supaglue_application_id STRING',
      '_supaglue_provider_name STRING',
      '_supaglue_customer_id STRING',
      '_supaglue_id STRING',
      '_supaglue_emitted_at TIMESTAMP',
      '_supaglue_last_modified_at TIMESTAMP',
      '_supaglue_is_deleted BOOL',
      '_supaglue_raw_data JSON',
      '_supaglue_mapped_data JSON',
      '_supaglue_unified_data JSON',
    ]);
    const [dealsMeta] = await bq.dataset(dataset).table('hubspot_deals').getMetadata();
    expect(dealsMeta.schema.fields.map((f: { name: string }) => f.name)).not.toContain('_supaglue_unified_data');
  });

  it('upserts two batches into exact rows; a retried batch does not duplicate; staging is dropped', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(contacts);
    const batch0 = {
      runId: 'run-1',
      seq: 0,
      records: [
        rec('1', at(1), { unified: { first_name: 'Ada' }, mapped: { score: 5 } }),
        rec('2', at(1), { lastModifiedAt: null, raw: { id: '2', stale: true } }),
        rec('2', at(2), { lastModifiedAt: null, raw: { id: '2', nested: { a: [1, 2] } } }),
      ],
    };
    await writer.writeBatch(contacts, batch0);
    await writer.writeBatch(contacts, { runId: 'run-1', seq: 1, records: [rec('3', at(3)), rec('1', at(3), { unified: { first_name: 'Ada L.' } })] });
    await writer.writeBatch(contacts, batch0); // retried after a crash: same (runId, seq)

    expect(await rows(dataset, 'crm_contacts')).toEqual([
      {
        id: '1',
        app: 'app1',
        provider: 'hubspot',
        emittedAt: at(1).toISOString(),
        lastModifiedAt: at(-60).toISOString(),
        deleted: false,
        raw: { id: '1', name: 'n1' },
        mapped: { score: 5 },
        unified: { first_name: 'Ada' },
      },
      {
        id: '2',
        app: 'app1',
        provider: 'hubspot',
        emittedAt: at(2).toISOString(),
        lastModifiedAt: null,
        deleted: false,
        raw: { id: '2', nested: { a: [1, 2] } },
        mapped: {},
        unified: null,
      },
      {
        id: '3',
        app: 'app1',
        provider: 'hubspot',
        emittedAt: at(3).toISOString(),
        lastModifiedAt: at(-60).toISOString(),
        deleted: false,
        raw: { id: '3', name: 'n3' },
        mapped: {},
        unified: null,
      },
    ]);
    expect(await tableIds(dataset)).toEqual(['crm_contacts']);
  });

  it('sends load (WRITE_TRUNCATE) → MERGE with parameters → drop staging, per batch', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(deals);
    recorder.clear();
    await writer.writeBatch(deals, { runId: 'run-7', seq: 4, records: [rec('d1', at(1))] });

    const staging = stagingTableName('hubspot_deals', 'run-7', 4);
    const calls = recorder.requests.map((r) => `${r.method} ${r.path.replace(/\/jobs\/[^/]+$/, '/jobs/:id').replace(/\/queries\/[^/]+$/, '/queries/:id')}`);
    const firstQuery = calls.findIndex((c) => c.endsWith('/jobs') && c.startsWith('POST /bigquery'));
    expect(calls[0]).toBe(`POST /upload/bigquery/v2/projects/${PROJECT}/jobs`);
    expect(firstQuery).toBeGreaterThan(0);
    expect(calls.at(-1)).toBe(`DELETE /bigquery/v2/projects/${PROJECT}/datasets/${dataset}/tables/${staging}`);

    const load = recorder.requests[0]!.body.configuration.load;
    expect(load).toMatchObject({
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_TRUNCATE',
      destinationTable: { projectId: PROJECT, datasetId: dataset, tableId: staging },
    });
    const query = recorder.requests[firstQuery]!.body.configuration.query;
    expect(query.query).toMatch(/^MERGE `test-project`\.`ds_\d+_\d+`\.`hubspot_deals` T\nUSING `test-project`\.`ds_\d+_\d+`\.`_supaglue_stage_/);
    expect(query.query).not.toMatch(/app1|cust1|'hubspot'/);
    expect(query.parameterMode.toUpperCase()).toBe('NAMED');
    expect(Object.fromEntries(query.queryParameters.map((p: any) => [p.name, p.parameterValue.value]))).toEqual({
      application_id: 'app1',
      provider_name: 'hubspot',
      customer_id: 'cust1',
    });
    expect(await tableIds(dataset)).toEqual(['hubspot_deals']);
  });

  it('soft-deletes unseen rows only after a successful full sync, scoped to the customer', async () => {
    const { writer, dataset } = newWriter();
    const other: WriteTarget = { ...deals, customerId: 'cust2' };
    await writer.prepare(deals);
    await writer.writeBatch(deals, { runId: 'r1', seq: 0, records: [rec('a', at(1)), rec('b', at(1)), rec('c', at(1))] });
    await writer.writeBatch(other, { runId: 'r1-other', seq: 0, records: [rec('z', at(1))] });
    await writer.finishRun(deals, { runId: 'r1', strategy: 'full', success: true, runStartedAt: at(0), numRecordsSynced: 3, cursor: null });

    const run2 = { runId: 'r2', strategy: 'full' as const, runStartedAt: at(10), numRecordsSynced: 2, cursor: null };
    await writer.writeBatch(deals, { runId: 'r2', seq: 0, records: [rec('a', at(11)), rec('b', at(11))] });
    const deletedIds = async (customer = 'cust1') => (await rows(dataset, 'hubspot_deals', customer)).filter((r) => r.deleted).map((r) => r.id);

    await writer.finishRun(deals, { ...run2, success: false });
    expect(await deletedIds()).toEqual([]);
    await writer.finishRun(deals, { ...run2, strategy: 'incremental', success: true });
    expect(await deletedIds()).toEqual([]);
    await writer.finishRun(deals, { ...run2, success: true });
    expect(await deletedIds()).toEqual(['c']);
    expect((await rows(dataset, 'hubspot_deals')).map((r) => [r.id, r.deleted])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
    ]);
    expect(await deletedIds('cust2')).toEqual([]);

    const update = recorder.requests.map((r) => r.body?.configuration?.query).find((q) => q?.query?.startsWith('UPDATE'));
    expect(update.query).not.toMatch(/cust1|2026-/);
    expect(update.queryParameters.map((p: any) => `${p.name}:${p.parameterType.type}`).sort()).toEqual([
      'application_id:STRING',
      'customer_id:STRING',
      'provider_name:STRING',
      'run_started_at:TIMESTAMP',
    ]);
  });

  it('keeps JSON numbers a double cannot hold exactly; writing to an unprepared table fails readably', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(deals);
    await writer.writeBatch(deals, { runId: 'r', seq: 0, records: [rec('n', at(1), { raw: { big: 12345678901234567000, small: 0.1, neg: -1e-7 } })] });
    expect((await rows(dataset, 'hubspot_deals'))[0]?.raw).toEqual({ big: 12345678901234567000, small: 0.1, neg: -1e-7 });

    const unprepared = { ...deals, object: 'tickets' };
    const err = await writer.writeBatch(unprepared, { runId: 'r', seq: 0, records: [rec('x', at(1))] }).then(
      () => null,
      (e: unknown) => e as Error & { kind: string },
    );
    expect(err?.kind).toBe('configuration');
    expect(err?.message).toMatch(/^BigQuery table not found \(table `test-project\.ds_\d+_\d+\.hubspot_tickets`\)/);
    expect(await tableIds(dataset)).toEqual(['hubspot_deals']);
  });

  it('finishRun drops staging tables a crashed batch of the run left behind', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(deals);
    const leftover = stagingTableName('hubspot_deals', 'r-crash', 2);
    await bq.dataset(dataset).createTable(leftover, { schema: { fields: [{ name: 'x', type: 'STRING' }] } });
    await writer.finishRun(deals, { runId: 'r-crash', strategy: 'full', success: false, runStartedAt: at(0), numRecordsSynced: 0, cursor: null });
    expect(await tableIds(dataset)).toEqual(['hubspot_deals']);
  });

  it('test() creates and drops a probe; fails readably on a missing dataset', async () => {
    const { writer, dataset } = newWriter();
    await writer.prepare(deals);
    await writer.test();
    expect(await tableIds(dataset)).toEqual(['hubspot_deals']);

    const missing = createBigQueryWriter({ project_id: PROJECT, dataset: 'no_such_dataset', credentials, api_endpoint: emulator.endpoint });
    const err = await missing.test().then(
      () => null,
      (e: unknown) => e as Error & { kind: string; pausesSync: boolean },
    );
    expect(err?.message).toMatch(/^BigQuery dataset not found \(dataset `test-project\.no_such_dataset`\)/);
    expect(err?.pausesSync).toBe(true);
  });

  it('fails readably on unusable credentials, without echoing the key', async () => {
    // No api_endpoint: the real auth path. Signing with a malformed key fails locally, before any request.
    const writer = createBigQueryWriter({ project_id: PROJECT, dataset: 'ds', credentials });
    const err = await writer.test().then(
      () => null,
      (e: unknown) => e as Error & { kind: string },
    );
    expect(err?.message).toMatch(/^BigQuery invalid credentials/);
    expect(err?.kind).toBe('authentication');
    expect(err?.message).not.toContain('SECRET123');
    expect(JSON.stringify(err)).not.toContain('SECRET123');
  });
});
