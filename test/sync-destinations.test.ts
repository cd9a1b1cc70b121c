/**
 * End-to-end sync into every destination kind with a writer, through the real API, a real
 * worker and the sync engine (Postgres is covered by sync-engine.test.ts and sync-crash.test.ts):
 *
 * - S3 (MinIO): the exact NDJSON records across the run's part files, `_manifest.json` counts,
 *   `latest.json` after a full sync (and not moved by an incremental one); and a worker process
 *   SIGKILLed while a part's PUT was answered-but-not-acknowledged: the replayed batch rewrote
 *   the same deterministic part key, the run's parts hold each source record exactly once.
 * - BigQuery (emulator): the exact rows via a query, after a full and an incremental run; and a
 *   worker process SIGKILLed while the answer to a batch's MERGE job was held (the emulator had
 *   merged it, the worker never learnt so): the batch is MERGEd again, each source row exactly once.
 * - HTTP API (local receivers): the exact records received, deduplicated by Idempotency-Key;
 *   and a worker SIGKILLed while the receiver held a batch: the same key is sent again.
 * - Snowflake / Redshift: a sync config targeting them is refused with 422.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertConnector } from '../db/repositories/connectors';
import type { ApiClient } from './helpers/api';
import { startApiReceiver, type ApiReceiver } from './helpers/http-api-simulator';
import { startBigQueryEmulator, type BigQueryEmulator } from './helpers/bigquery-emulator';
import { s3ClientFor, startS3Server, type S3Server } from './helpers/s3-server';
import { makeContacts, sourceConnector, startSourceApi, type Contact, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil, type WorkerProcesses } from './helpers/worker-process';

type ScenarioBase = Awaited<ReturnType<typeof startScenario>>;

let s: ScenarioBase;
let minio: S3Server;
let s3: S3Client;
let workers: WorkerProcesses;
const crashQueue = `dest-crash-${randomUUID()}`;
const BUCKET = 'warehouse';
const PROVIDER = 'acme-crm';
const CUSTOMER = 'customer-1';
const trigger = (tenant: ApiClient, body: Record<string, unknown> = {}) =>
  ok(
    tenant.request('POST', '/syncs/_trigger', {
      headers: { 'x-customer-id': CUSTOMER, 'x-provider-name': PROVIDER },
      body: { object_type: 'standard', object: 'contacts', ...body },
    }),
  );

beforeAll(async () => {
  [s, minio] = await Promise.all([startScenario(), startS3Server()]);
  s3 = s3ClientFor(minio);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // Engines that gather pages into larger batches honour this; one without the knob ignores it.
  Object.assign(s.worker.deps, { batchRecords: BATCH_RECORDS });
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue: crashQueue, env: { SYNC_BATCH_RECORDS: String(BATCH_RECORDS) } });
}, 20 * 60_000); // the first run may build MinIO

afterAll(async () => {
  await workers?.close();
  s3?.destroy();
  await minio?.stop();
  await s?.close();
});

/** The scenario with a tenant of its own (one application per destination kind). */
async function withTenant(name: string): Promise<ScenarioBase> {
  return { ...s, tenant: await s.api.newTenant(name) };
}

async function syncIdOf(tenant: ApiClient): Promise<string> {
  return (await s.api.tdb.db.selectFrom('syncs').select('id').where('application_id', '=', tenant.applicationId).executeTakeFirstOrThrow()).id;
}

async function syncRunsOf(syncId: string) {
  return s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).orderBy('start_timestamp').execute();
}

/** Starts one run of the sync on the crash task queue (only worker processes poll it). */
async function startCrashRun(syncId: string) {
  return s.worker.client.workflow.start('syncRunWorkflow', {
    taskQueue: crashQueue,
    workflowId: `dest-crash-${syncId}`,
    args: [{ syncId, heartbeatTimeout: '4 seconds' }],
  });
}

const sortedIds = (source: SourceApi) => [...source.contacts.keys()].sort();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** Records per destination batch for the workers of this file: one source page (≤ 50 records) per batch, so runs have several batches. */
const BATCH_RECORDS = 40;

// --- S3 -------------------------------------------------------------------------------------

const s3Destination = (overrides: Record<string, unknown> = {}) => ({
  type: 's3',
  config: {
    bucket: `s3://${BUCKET}`,
    region: minio.region,
    access_key_id: minio.accessKeyId,
    secret_access_key: minio.secretAccessKey,
    endpoint: minio.endpoint,
    force_path_style: true,
    prefix: '/exports/',
    ...overrides,
  },
});

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function getBytes(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function getJson<T = any>(key: string): Promise<T> {
  return JSON.parse((await getBytes(key)).toString('utf8')) as T;
}

type NdjsonRow = Record<string, any> & { _supaglue_id: string };

async function getPart(key: string): Promise<NdjsonRow[]> {
  const text = gunzipSync(await getBytes(key)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as NdjsonRow);
}

const objectPrefix = (applicationId: string) => `exports/${applicationId}/${PROVIDER}/contacts/${CUSTOMER}`;

/** The run's part keys (seq order) and every record in them, part by part. */
async function runParts(applicationId: string, runId: string) {
  const prefix = `${objectPrefix(applicationId)}/run=${runId}/`;
  const keys = await listKeys(prefix);
  const partKeys = keys.filter((k) => /\/part-\d{6}\.ndjson\.gz$/.test(k));
  const parts = await Promise.all(partKeys.map(async (key) => ({ key, seq: Number(/part-(\d{6})/.exec(key)![1]), rows: await getPart(key) })));
  return { prefix, keys, parts };
}

/** The exact NDJSON line the S3 destination writes for a source contact. */
function expectedRow(applicationId: string, c: Contact) {
  return {
    _supaglue_application_id: applicationId,
    _supaglue_provider_name: PROVIDER,
    _supaglue_customer_id: CUSTOMER,
    _supaglue_id: c.id,
    _supaglue_emitted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    _supaglue_last_modified_at: c.updated_at,
    _supaglue_is_deleted: false,
    _supaglue_raw_data: c,
    _supaglue_mapped_data: {},
  };
}

describe('S3 destination end to end', () => {
  it('full sync: the exact records across part files, the manifest counts and latest.json; an incremental run leaves latest.json alone', async () => {
    const t = await withTenant('s3-e2e');
    const source = await startSourceApi(makeContacts(250));
    try {
      const { connect } = await configure(t, source, { pageSize: 40, destination: s3Destination() });
      const appId = t.tenant.applicationId;
      await connect();
      const [first] = await waitForRuns(t.tenant, CUSTOMER, 1);
      expect(first).toMatchObject({ status: 'SUCCESS', num_records_synced: 250, error_message: null });

      // 250 records, pages of 40, in source order across the parts.
      const { prefix, keys, parts } = await runParts(appId, first!.id);
      expect(keys).toEqual([...parts.map((p) => p.key), `${prefix}_manifest.json`].sort());
      // One part per batch, numbered from 1 (batches of up to 40 records: several parts).
      expect(parts.length).toBeGreaterThan(1);
      expect(parts.map((p) => p.seq)).toEqual(range(1, parts.length));
      const contacts = [...source.contacts.values()].sort((a, b) => a.id.localeCompare(b.id));
      expect(parts.flatMap((p) => p.rows)).toEqual(contacts.map((c) => expectedRow(appId, c)));
      // One emission time per batch.
      for (const p of parts) expect(new Set(p.rows.map((r) => r._supaglue_emitted_at)).size).toBe(1);

      const manifest = await getJson(`${prefix}_manifest.json`);
      expect(manifest).toEqual({
        version: 1,
        format: 'ndjson.gz',
        run_id: first!.id,
        application_id: appId,
        provider_name: PROVIDER,
        customer_id: CUSTOMER,
        object: 'contacts',
        object_type: 'standard',
        strategy: 'full',
        success: true,
        cursor: contacts.at(-1)!.updated_at,
        run_started_at: expect.any(String),
        finished_at: expect.any(String),
        num_records_synced: 250,
        num_records_written: 250,
        parts: parts.map((p) => ({ key: p.key, seq: p.seq, records: p.rows.length, bytes: expect.any(Number) })),
      });
      const sizes = await Promise.all(parts.map(async (p) => (await getBytes(p.key)).length));
      expect(manifest.parts.map((p: { bytes: number }) => p.bytes)).toEqual(sizes);

      const latestKey = `${objectPrefix(appId)}/latest.json`;
      const latest = await getJson(latestKey);
      expect(latest).toEqual({
        run_id: first!.id,
        run_prefix: prefix.replace(/\/$/, ''),
        manifest_key: `${prefix}_manifest.json`,
        strategy: 'full',
        num_records: 250,
        finished_at: manifest.finished_at,
      });

      // Incremental: exactly the changes in the new run's parts; latest.json still the full run.
      const later = (i: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + i * 1000).toISOString();
      source.upsert(
        { ...source.contacts.get('c-000010')!, name: 'Changed 10', updated_at: later(1) },
        { id: 'c-new', name: 'New', email: 'new@example.com', updated_at: later(2) },
      );
      await trigger(t.tenant);
      const [second] = await waitForRuns(t.tenant, CUSTOMER, 2);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 2 });
      const inc = await runParts(appId, second!.id);
      expect(inc.parts.flatMap((p) => p.rows)).toEqual(['c-000010', 'c-new'].map((id) => expectedRow(appId, source.contacts.get(id)!)));
      expect(await getJson(`${inc.prefix}_manifest.json`)).toMatchObject({ strategy: 'incremental', success: true, num_records_synced: 2, num_records_written: 2 });
      expect(await getJson(latestKey)).toEqual(latest);
    } finally {
      await source.close();
    }
  });

  it('a worker SIGKILLed after a part was written but before its batch was committed: the replay overwrites the same part key, each record once', async () => {
    const t = await withTenant('s3-crash');
    const source = await startSourceApi(makeContacts(400));
    const proxy = await startHoldingProxy(minio.endpoint, (req) => req.method === 'PUT' && /\/part-000003\.ndjson\.gz(\?|$)/.test(req.url ?? ''));
    try {
      const c = await configure(t, source, { pageSize: 50, autoStart: false, destination: s3Destination({ endpoint: proxy.url }) });
      await c.connect();
      const syncId = await syncIdOf(t.tenant);
      const handle = await startCrashRun(syncId);

      const worker = workers.start();
      // MinIO has stored part 3; its answer is held, so the worker never learns it and never commits batch 3.
      await waitUntil(
        () => proxy.held,
        180_000,
        'the PUT of part 3',
        () => workers.logs(),
      );
      const [run] = await syncRunsOf(syncId);
      expect(run!.progress).toMatchObject({ seq: 2 });
      const committedBefore = run!.num_records_synced;
      workers.kill(worker);
      proxy.release();
      workers.start();

      const result = await handle.result();
      expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 400 });

      const runs = await syncRunsOf(syncId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 400 });
      const runId = runs[0]!.id;
      const appId = t.tenant.applicationId;
      const { prefix, parts } = await runParts(appId, runId);

      // Part 3 was PUT twice under the same key: the replayed batch overwrote it.
      const part3 = `/${BUCKET}/${prefix}part-000003.ndjson.gz`;
      expect(proxy.puts.filter((p) => p === part3)).toHaveLength(2);
      expect(new Set(proxy.puts.filter((p) => p.includes('/part-'))).size).toBe(parts.length);
      expect(proxy.puts.filter((p) => p.includes('/part-'))).toHaveLength(parts.length + 1);
      // Deterministic keys: exactly parts 1..n, each record of the source exactly once, none in two parts.
      expect(parts.map((p) => p.seq)).toEqual(range(1, parts.length));
      expect(parts.slice(0, 2).reduce((n, p) => n + p.rows.length, 0)).toBe(committedBefore);
      const rows = parts.flatMap((p) => p.rows);
      expect(rows).toHaveLength(400);
      expect(rows.map((r) => r._supaglue_id)).toEqual(sortedIds(source));
      expect(rows).toEqual([...source.contacts.values()].map((c) => expectedRow(appId, c)));

      const manifest = await getJson(`${prefix}_manifest.json`);
      expect(manifest).toMatchObject({ run_id: runId, success: true, strategy: 'full', num_records_synced: 400, num_records_written: 400 });
      expect(manifest.parts.map((p: { seq: number; records: number }) => [p.seq, p.records])).toEqual(parts.map((p) => [p.seq, p.rows.length]));
      expect(await getJson(`${objectPrefix(appId)}/latest.json`)).toMatchObject({ run_id: runId, num_records: 400 });
    } finally {
      workers.killAll();
      await proxy.stop();
      await source.close();
    }
  }, 420_000);
});

/**
 * A reverse proxy (to MinIO, or the BigQuery emulator) that forwards every request as is (SigV4
 * signs the Host header the client used, which the proxy passes on) and can hold the answer to
 * the first request matching `shouldHold` (given the request body): the upstream has done the
 * work, the client does not know yet.
 */
async function startHoldingProxy(target: string, shouldHold: (req: IncomingMessage, body: Buffer) => boolean) {
  const upstream = new URL(target);
  let holding = false;
  let releaseHeld: (() => void) | undefined;
  const state = { held: false, puts: [] as string[], requests: [] as Array<{ method: string; path: string; body: Buffer }> };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hold = !holding && shouldHold(req, body);
      if (hold) holding = true;
      const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
      state.requests.push({ method: req.method ?? '', path, body });
      if (req.method === 'PUT') state.puts.push(path);
      const headers: IncomingHttpHeaders = { ...req.headers };
      delete headers.expect;
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (upRes) => {
        const upChunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => upChunks.push(c));
        upRes.on('end', async () => {
          if (hold) {
            state.held = true;
            await new Promise<void>((r) => (releaseHeld = r));
          }
          if (res.destroyed || res.socket?.destroyed) return;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(Buffer.concat(upChunks));
        });
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get held() {
      return state.held;
    },
    puts: state.puts,
    /** Every request forwarded (or held), in arrival order. */
    requests: state.requests,
    release: () => releaseHeld?.(),
    stop: () =>
      new Promise<void>((resolve) => {
        releaseHeld?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// --- BigQuery -------------------------------------------------------------------------------

describe('BigQuery destination end to end (emulator)', () => {
  let emulator: BigQueryEmulator;
  let bq: BigQuery;
  const PROJECT = 'syncwell-e2e';
  const DATASET = 'warehouse_e2e';
  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ projectId: PROJECT });
    bq = new BigQuery({ projectId: PROJECT, apiEndpoint: emulator.endpoint, authClient: new PassThroughClient() });
  }, 300_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  async function rows(dataset = DATASET) {
    const [result] = await bq.query({ query: `SELECT * FROM \`${PROJECT}\`.\`${dataset}\`.\`acme_crm_contacts\` ORDER BY _supaglue_id` });
    return (result as Record<string, any>[]).map((r) => ({
      id: r._supaglue_id as string,
      app: r._supaglue_application_id as string,
      provider: r._supaglue_provider_name as string,
      customer: r._supaglue_customer_id as string,
      lastModifiedAt: new Date(r._supaglue_last_modified_at?.value ?? r._supaglue_last_modified_at).toISOString(),
      deleted: r._supaglue_is_deleted as boolean,
      raw: JSON.parse(r._supaglue_raw_data),
      mapped: JSON.parse(r._supaglue_mapped_data),
    }));
  }

  const expected = (appId: string, source: SourceApi) =>
    [...source.contacts.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((c) => ({ id: c.id, app: appId, provider: PROVIDER, customer: CUSTOMER, lastModifiedAt: c.updated_at, deleted: false, raw: c, mapped: {} }));

  const bqDestination = (dataset: string, apiEndpoint: string) => ({
    type: 'bigquery',
    config: {
      project_id: PROJECT,
      dataset,
      api_endpoint: apiEndpoint,
      credentials: { client_email: `sync@${PROJECT}.iam.gserviceaccount.com`, private_key: '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n' },
    },
  });

  it('full then incremental: exactly the source rows, changed rows updated in place (no duplicates)', async () => {
    const t = await withTenant('bq-e2e');
    const source = await startSourceApi(makeContacts(180));
    try {
      const { connect } = await configure(t, source, { pageSize: 50, destination: bqDestination(DATASET, emulator.endpoint) });
      const appId = t.tenant.applicationId;
      await connect();
      const [first] = await waitForRuns(t.tenant, CUSTOMER, 1, 120_000);
      expect(first).toMatchObject({ status: 'SUCCESS', num_records_synced: 180, error_message: null });
      expect(await rows()).toEqual(expected(appId, source));

      const later = (i: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + i * 1000).toISOString();
      source.upsert(
        { ...source.contacts.get('c-000005')!, name: 'Changed 5', updated_at: later(1) },
        { ...source.contacts.get('c-000120')!, email: 'changed120@example.com', updated_at: later(2) },
        { id: 'c-new', name: 'New', email: 'new@example.com', updated_at: later(3) },
      );
      await trigger(t.tenant);
      const [second] = await waitForRuns(t.tenant, CUSTOMER, 2, 120_000);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 3, error_message: null });
      const after = await rows();
      expect(after).toHaveLength(181);
      expect(after).toEqual(expected(appId, source));
    } finally {
      await source.close();
    }
  }, 240_000);

  /** The staging seq a jobs.insert request MERGEs from, if it is the writer's MERGE (see destinations/bigquery/sql.ts). */
  function mergedSeq(req: { method?: string; url?: string; path?: string }, body: Buffer): number | null {
    if (req.method !== 'POST' || !/^\/bigquery\/v2\/projects\/[^/]+\/jobs$/.test((req.path ?? req.url ?? '').split('?')[0]!)) return null;
    let query: unknown;
    try {
      query = (JSON.parse(body.toString('utf8')) as { configuration?: { query?: { query?: unknown } } }).configuration?.query?.query;
    } catch {
      return null;
    }
    const m =
      typeof query === 'string' ? /^MERGE `[^`]+`\.`[^`]+`\.`acme_crm_contacts` T\s+USING `[^`]+`\.`[^`]+`\.`_supaglue_stage_[0-9a-f]{16}_[0-9a-f]{16}_(\d+)` S/.exec(query) : null;
    return m ? Number(m[1]) : null;
  }

  const stagingTables = async (dataset: string) => (await bq.dataset(dataset).getTables())[0].map((t) => t.id!).filter((id) => id.startsWith('_supaglue_stage_'));

  it("a worker SIGKILLed after the emulator ran a batch's MERGE but before the batch was committed: the replay MERGEs it again, each record once", async () => {
    const CRASH_DATASET = 'warehouse_crash';
    const t = await withTenant('bq-crash');
    const source = await startSourceApi(makeContacts(400));
    // The emulator runs a query job within jobs.insert: when its answer arrives, batch 3 is merged into the target.
    const proxy = await startHoldingProxy(emulator.endpoint, (req, body) => mergedSeq(req, body) === 3);
    try {
      const c = await configure(t, source, { pageSize: 50, autoStart: false, destination: bqDestination(CRASH_DATASET, proxy.url) });
      await c.connect();
      const syncId = await syncIdOf(t.tenant);
      const handle = await startCrashRun(syncId);

      const worker = workers.start();
      await waitUntil(
        () => proxy.held,
        180_000,
        'the MERGE of batch 3',
        () => workers.logs(),
      );
      const [run] = await syncRunsOf(syncId);
      expect(run!.progress).toMatchObject({ seq: 2 });
      const committedBefore = run!.num_records_synced;
      workers.kill(worker);

      // The killed worker's leftovers: batch 3's staging table, and batch 3 already merged into the
      // target on top of the committed batches 1 and 2 (so the replay meets rows it already wrote).
      const staged = await stagingTables(CRASH_DATASET);
      expect(staged).toHaveLength(1);
      expect(staged[0]).toMatch(/_3$/);
      const [counted] = await bq.query({ query: `SELECT COUNT(*) AS n FROM \`${PROJECT}\`.\`${CRASH_DATASET}\`.\`${staged[0]}\`` });
      const stagedRows = Number((counted as Array<{ n: number }>)[0]!.n);
      expect(committedBefore).toBeGreaterThan(0);
      expect(stagedRows).toBeGreaterThan(0);
      const merged = await rows(CRASH_DATASET);
      expect(merged.map((r) => r.id)).toEqual(sortedIds(source).slice(0, committedBefore + stagedRows));
      expect(merged.length).toBeLessThan(400);

      proxy.release();
      workers.start();
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 400 });

      const runs = await syncRunsOf(syncId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 400, error_message: null });

      // Batch 3 was MERGEd twice (the held one and the replay), every other batch once, in order.
      const merges = proxy.requests.map((r) => mergedSeq(r, r.body)).filter((seq): seq is number => seq !== null);
      const batches = Math.max(...merges);
      expect(batches).toBeGreaterThan(3);
      expect(merges).toEqual([1, 2, 3, ...range(3, batches)]);

      // Exactly the source's records, each once, with their content; no staging table left behind.
      const after = await rows(CRASH_DATASET);
      expect(after).toHaveLength(400);
      expect(new Set(after.map((r) => r.id)).size).toBe(400);
      expect(after).toEqual(expected(t.tenant.applicationId, source));
      expect(await stagingTables(CRASH_DATASET)).toEqual([]);
    } finally {
      workers.killAll();
      await proxy.stop();
      await source.close();
    }
  }, 420_000);
});

// --- HTTP API -------------------------------------------------------------------------------

interface ApiBatch {
  key: string;
  headers: IncomingHttpHeaders;
  payload: { stream: string; customer_id: string; provider_name: string; records: Array<Record<string, any> & { id: string }> };
}

/** Batches received, deduplicated by Idempotency-Key (the last copy wins), in key order. */
function dedupeByKey(batches: ApiBatch[]): ApiBatch[] {
  const byKey = new Map<string, ApiBatch>();
  for (const b of batches) byKey.set(b.key, b);
  const order = (k: string) => k.split(':').slice(1).map(Number);
  return [...byKey.values()].sort((a, b) => {
    const [sa, ca] = order(a.key);
    const [sb, cb] = order(b.key);
    return sa! - sb! || ca! - cb!;
  });
}

const expectedApiRecord = (c: Contact) => ({
  id: c.id,
  last_modified_at: c.updated_at,
  is_deleted: false,
  emitted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  raw_data: c,
  mapped_data: {},
});

describe('HTTP API destination end to end', () => {
  let receiver: ApiReceiver;
  beforeAll(async () => {
    receiver = await startApiReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('full sync: the exact records received, chunked by batch_size, each chunk with its own Idempotency-Key and the auth header', async () => {
    const t = await withTenant('api-e2e');
    const source = await startSourceApi(makeContacts(120));
    const apiKey = 'dest-api-key-5e1c0f';
    try {
      const { connect } = await configure(t, source, {
        pageSize: 50,
        destination: { type: 'api', config: { url: `${receiver.url}/ingest?src=syncwell`, auth: { type: 'api_key', header: 'X-Dest-Key', value: apiKey }, batch_size: 30 } },
      });
      await connect();
      const [first] = await waitForRuns(t.tenant, CUSTOMER, 1);
      expect(first).toMatchObject({ status: 'SUCCESS', num_records_synced: 120, error_message: null });

      const received: ApiBatch[] = receiver.requests.map((r) => ({ key: String(r.headers['idempotency-key']), headers: r.headers, payload: r.json as ApiBatch['payload'] }));
      expect(receiver.requests.every((r) => r.method === 'POST' && r.url === '/ingest?src=syncwell' && r.headers['x-dest-key'] === apiKey)).toBe(true);
      expect(receiver.requests.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
      // Each batch in chunks of 30, keyed `<run>:<seq>:<chunk>`; no retries, so no duplicate key.
      const runId = first!.id;
      expect(new Set(received.map((b) => b.key)).size).toBe(received.length);
      const bySeq = new Map<number, ApiBatch[]>();
      for (const b of received) {
        const m = /^([0-9a-f-]{36}):(\d+):(\d+)$/.exec(b.key);
        expect(m?.[1], b.key).toBe(runId);
        bySeq.set(Number(m![2]), [...(bySeq.get(Number(m![2])) ?? []), b]);
      }
      expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(range(1, bySeq.size));
      for (const [seq, chunks] of bySeq) {
        expect(chunks.map((c) => c.key)).toEqual(range(0, chunks.length - 1).map((i) => `${runId}:${seq}:${i}`));
        expect(chunks.slice(0, -1).every((c) => c.payload.records.length === 30)).toBe(true);
        expect(chunks.at(-1)!.payload.records.length).toBeLessThanOrEqual(30);
      }
      expect(received.some((b) => b.key.endsWith(':1'))).toBe(true);
      for (const b of received) expect(b.payload).toMatchObject({ stream: 'contacts', customer_id: CUSTOMER, provider_name: PROVIDER });
      const records = dedupeByKey(received).flatMap((b) => b.payload.records);
      expect(records).toEqual([...source.contacts.values()].map(expectedApiRecord));
    } finally {
      await source.close();
    }
  });

  it('a batch the endpoint takes longer than the heartbeat timeout to accept does not time the chunk out: it heartbeats while it writes', async () => {
    const t = await withTenant('api-slow');
    const source = await startSourceApi(makeContacts(60));
    const before = receiver.requests.length;
    receiver.respondWith({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}', delayMs: 5000 });
    try {
      const c = await configure(t, source, { pageSize: 50, autoStart: false, destination: { type: 'api', config: { url: `${receiver.url}/slow` } } });
      await c.connect();
      const syncId = await syncIdOf(t.tenant);
      const handle = await s.worker.client.workflow.start('syncRunWorkflow', {
        taskQueue: s.worker.taskQueue,
        workflowId: `dest-slow-${syncId}`,
        args: [{ syncId, heartbeatTimeout: '2 seconds' }],
      });
      expect(await handle.result()).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 60 });
      // Without heartbeats during the 5 s write, the attempt would time out after 2 s and be
      // retried while it still wrote: every activity finished on its first attempt.
      const started = (await handle.fetchHistory()).events!.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
      expect(started.length).toBeGreaterThan(0);
      expect(started.every((attempt) => attempt === 1)).toBe(true);
      const mine = receiver.requests.slice(before).map((r) => ({ key: String(r.headers['idempotency-key']), headers: r.headers, payload: r.json as ApiBatch['payload'] }));
      expect(mine.map((b) => b.key.split(':').slice(1).join(':'))).toEqual(['1:0', '2:0']);
      expect(mine.flatMap((b) => b.payload.records)).toEqual([...source.contacts.values()].map(expectedApiRecord));
      expect((await syncRunsOf(syncId)).map((r) => r.status)).toEqual(['SUCCESS']);
    } finally {
      await source.close();
    }
  });

  it('a worker SIGKILLed while the endpoint held a batch: the batch is sent again with the same Idempotency-Key; deduplicated, each record exactly once', async () => {
    const t = await withTenant('api-crash');
    const source = await startSourceApi(makeContacts(300));
    const holding = await startHoldingReceiver((key) => /:3:0$/.test(key));
    try {
      const c = await configure(t, source, {
        pageSize: 50,
        autoStart: false,
        destination: { type: 'api', config: { url: `${holding.url}/ingest`, auth: { type: 'bearer', token: 'crash-token-9a8b7c' } } },
      });
      await c.connect();
      const syncId = await syncIdOf(t.tenant);
      const handle = await startCrashRun(syncId);

      const worker = workers.start();
      // The endpoint has batch 3 but has not answered: the worker has not committed it.
      await waitUntil(
        () => holding.held,
        180_000,
        'batch 3 at the endpoint',
        () => workers.logs(),
      );
      const [run] = await syncRunsOf(syncId);
      expect(run!.progress).toMatchObject({ seq: 2 });
      workers.kill(worker);
      holding.release();
      workers.start();

      const result = await handle.result();
      expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 300 });
      const runs = await syncRunsOf(syncId);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 300 });
      const runId = runs[0]!.id;

      const keys = holding.batches.map((b) => b.key);
      // Batch 3 was delivered twice under one key; every other batch once.
      expect(keys.filter((k) => k === `${runId}:3:0`)).toHaveLength(2);
      const deduped = dedupeByKey(holding.batches);
      expect(keys).toHaveLength(deduped.length + 1);
      expect(deduped.map((b) => b.key)).toEqual(range(1, deduped.length).map((seq) => `${runId}:${seq}:0`));
      const twice = holding.batches.filter((b) => b.key === `${runId}:3:0`);
      expect(twice[1]!.payload.records.map((r) => [r.id, r.raw_data])).toEqual(twice[0]!.payload.records.map((r) => [r.id, r.raw_data]));
      const records = deduped.flatMap((b) => b.payload.records);
      expect(records).toHaveLength(300);
      expect(records.map((r) => r.id)).toEqual(sortedIds(source));
      expect(records).toEqual([...source.contacts.values()].map(expectedApiRecord));
      expect(holding.batches.every((b) => b.headers.authorization === 'Bearer crash-token-9a8b7c')).toBe(true);
    } finally {
      workers.killAll();
      await holding.stop();
      await source.close();
    }
  }, 420_000);
});

/** An HTTP endpoint recording every batch; holds the answer to the first batch whose key matches. */
async function startHoldingReceiver(shouldHold: (idempotencyKey: string) => boolean) {
  const batches: ApiBatch[] = [];
  let holding = false;
  let held = false;
  let releaseHeld: (() => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      batches.push({ key, headers: req.headers, payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      if (!holding && shouldHold(key)) {
        holding = true;
        held = true;
        await new Promise<void>((r) => (releaseHeld = r));
      }
      if (res.destroyed || res.socket?.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batches,
    get held() {
      return held;
    },
    release: () => releaseHeld?.(),
    stop: () =>
      new Promise<void>((resolve) => {
        releaseHeld?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// --- Snowflake / Redshift -------------------------------------------------------------------

describe('destination types without a writer', () => {
  it('a sync config targeting a Snowflake or Redshift destination is refused with 422, and nothing is created', async () => {
    const tenant = await s.api.newTenant('no-writer');
    await upsertConnector(s.api.tdb.db, tenant.applicationId, PROVIDER, sourceConnector(PROVIDER));
    await ok(tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: PROVIDER } }), 201);
    await ok(
      tenant.request('POST', '/destinations', {
        body: {
          name: 'snow',
          type: 'snowflake',
          config: { host: 'acct.snowflakecomputing.com', role: 'LOADER', warehouse: 'WH', database: 'DB', schema: 'PUBLIC', username: 'u', password: 'p-secret' },
        },
      }),
      201,
    );
    await ok(
      tenant.request('POST', '/destinations', {
        body: {
          name: 'red',
          type: 'redshift',
          config: {
            host: 'r.example.com',
            port: 5439,
            username: 'u',
            database: 'db',
            schema: 'public',
            upload_method: 'S3',
            s3_key_id: 'AKIA1',
            s3_bucket_name: 'bkt',
            s3_bucket_region: 'us-east-1',
            s3_access_key: 's3-secret',
            password: 'pw-secret',
          },
        },
      }),
      201,
    );
    const config = { default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: true }, standard_objects: [{ object: 'contacts' }] };
    for (const [name, type] of [
      ['snow', 'snowflake'],
      ['red', 'redshift'],
    ] as const) {
      const res = await tenant.request('POST', '/sync_configs', { body: { destination_name: name, provider_name: PROVIDER, config } });
      expect(res.status).toBe(422);
      expect(res.body.errors[0]).toMatchObject({ code: 'UNPROCESSABLE_ERROR', status: '422', detail: `no writer for destination type ${type} yet` });
    }
    expect(await ok(tenant.request('GET', '/sync_configs'))).toEqual([]);
  });
});
