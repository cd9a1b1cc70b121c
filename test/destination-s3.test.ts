import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Writer, s3DestinationConfigSchema, type S3DestinationConfigInput } from '../destinations/s3';
import type { DestinationRecord, DestinationWriter, WriteTarget } from '../destinations/types';
import { s3ClientFor, startS3Server, type S3Server } from './helpers/s3-server';

const BUCKET = 'warehouse';
const RUN_PREFIX = 'exports/app-1/hubspot/contacts/cust-1';

const target: WriteTarget = {
  applicationId: 'app-1',
  customerId: 'cust-1',
  providerName: 'hubspot',
  object: 'contacts',
  objectType: 'standard',
};

function rec(id: string, extra: Partial<DestinationRecord> = {}): DestinationRecord {
  return {
    id,
    lastModifiedAt: new Date('2024-01-02T03:04:05.000Z'),
    isDeleted: false,
    emittedAt: new Date('2024-02-01T00:00:00.000Z'),
    raw: { id, name: `Name ${id}` },
    mapped: { full_name: `Name ${id}` },
    ...extra,
  };
}

let server: S3Server;
let s3: S3Client;
let config: S3DestinationConfigInput;
let writer: DestinationWriter;

async function getText(key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray()).toString('utf8');
}

async function getNdjsonGz(key: string): Promise<unknown[]> {
  const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const text = gunzipSync(Buffer.from(await res.Body!.transformToByteArray())).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function listKeys(prefix: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

beforeAll(async () => {
  server = await startS3Server();
  s3 = s3ClientFor(server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  config = {
    region: server.region,
    bucket: `s3://${BUCKET}`,
    access_key_id: server.accessKeyId,
    secret_access_key: server.secretAccessKey,
    endpoint: server.endpoint,
    force_path_style: true,
    prefix: '/exports/',
  };
  writer = createS3Writer(config);
}, 20 * 60_000); // the first run may build MinIO

afterAll(async () => {
  await writer?.close();
  s3?.destroy();
  await server?.stop();
});

describe('S3 destination', () => {
  it('writes each batch as a gzip NDJSON part with the Postgres column fields', async () => {
    await writer.prepare(target);
    await writer.writeBatch(target, { runId: 'run-a', seq: 0, records: [rec('1'), rec('2', { isDeleted: true, lastModifiedAt: null })] });
    await writer.writeBatch(target, { runId: 'run-a', seq: 1, records: [rec('3')] });

    expect(await listKeys(`${RUN_PREFIX}/run=run-a/`)).toEqual([`${RUN_PREFIX}/run=run-a/part-000000.ndjson.gz`, `${RUN_PREFIX}/run=run-a/part-000001.ndjson.gz`]);
    const base = {
      _supaglue_application_id: 'app-1',
      _supaglue_provider_name: 'hubspot',
      _supaglue_customer_id: 'cust-1',
      _supaglue_emitted_at: '2024-02-01T00:00:00.000Z',
    };
    expect(await getNdjsonGz(`${RUN_PREFIX}/run=run-a/part-000000.ndjson.gz`)).toEqual([
      {
        ...base,
        _supaglue_id: '1',
        _supaglue_last_modified_at: '2024-01-02T03:04:05.000Z',
        _supaglue_is_deleted: false,
        _supaglue_raw_data: { id: '1', name: 'Name 1' },
        _supaglue_mapped_data: { full_name: 'Name 1' },
      },
      {
        ...base,
        _supaglue_id: '2',
        _supaglue_last_modified_at: null,
        _supaglue_is_deleted: true,
        _supaglue_raw_data: { id: '2', name: 'Name 2' },
        _supaglue_mapped_data: { full_name: 'Name 2' },
      },
    ]);
    const [line] = (await getNdjsonGz(`${RUN_PREFIX}/run=run-a/part-000001.ndjson.gz`)) as Array<Record<string, unknown>>;
    expect(Object.keys(line!)).toEqual([
      '_supaglue_application_id',
      '_supaglue_provider_name',
      '_supaglue_customer_id',
      '_supaglue_id',
      '_supaglue_emitted_at',
      '_supaglue_last_modified_at',
      '_supaglue_is_deleted',
      '_supaglue_raw_data',
      '_supaglue_mapped_data',
    ]);
  });

  it('adds _supaglue_unified_data for common objects', async () => {
    const common: WriteTarget = { ...target, object: 'contact', objectType: 'common' };
    await writer.writeBatch(common, {
      runId: 'run-c',
      seq: 7,
      records: [rec('u1', { unified: { first_name: 'Ada' } }), rec('u2')],
    });
    const lines = (await getNdjsonGz('exports/app-1/hubspot/contact/cust-1/run=run-c/part-000007.ndjson.gz')) as Array<Record<string, unknown>>;
    expect(lines.map((l) => l._supaglue_unified_data)).toEqual([{ first_name: 'Ada' }, null]);
  });

  it('a retried batch overwrites its part instead of duplicating it', async () => {
    await writer.writeBatch(target, { runId: 'run-r', seq: 4, records: [rec('x'), rec('y')] });
    await writer.writeBatch(target, { runId: 'run-r', seq: 4, records: [rec('x'), rec('y')] });
    expect(await listKeys(`${RUN_PREFIX}/run=run-r/`)).toEqual([`${RUN_PREFIX}/run=run-r/part-000004.ndjson.gz`]);
    const lines = (await getNdjsonGz(`${RUN_PREFIX}/run=run-r/part-000004.ndjson.gz`)) as Array<{ _supaglue_id: string }>;
    expect(lines.map((l) => l._supaglue_id)).toEqual(['x', 'y']);
  });

  it('finishRun writes the manifest after the parts, and latest.json only after a successful full sync', async () => {
    const t: WriteTarget = { ...target, object: 'deals' };
    const objectPrefix = 'exports/app-1/hubspot/deals/cust-1';
    const startedAt = new Date('2024-05-01T00:00:00.000Z');

    // A failed full run: manifest with success=false, no latest.json.
    await writer.writeBatch(t, { runId: 'run-1', seq: 0, records: [rec('a')] });
    await writer.finishRun(t, { runId: 'run-1', strategy: 'full', success: false, runStartedAt: startedAt, numRecordsSynced: 1, cursor: null });
    const failed = JSON.parse(await getText(`${objectPrefix}/run=run-1/_manifest.json`));
    expect(failed).toMatchObject({ run_id: 'run-1', success: false, strategy: 'full', num_records_written: 1 });
    expect(await listKeys(`${objectPrefix}/latest.json`)).toEqual([]);

    // A successful full run.
    await writer.writeBatch(t, { runId: 'run-2', seq: 0, records: [rec('a'), rec('b')] });
    await writer.writeBatch(t, { runId: 'run-2', seq: 1, records: [rec('c')] });
    await writer.writeBatch(t, { runId: 'run-2', seq: 2, records: [] });
    await writer.finishRun(t, {
      runId: 'run-2',
      strategy: 'full',
      success: true,
      runStartedAt: startedAt,
      numRecordsSynced: 3,
      cursor: '2024-01-02T03:04:05.000Z',
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${objectPrefix}/run=run-2/` }));
    const byKey = new Map((listed.Contents ?? []).map((o) => [o.Key!, o]));
    const manifest = JSON.parse(await getText(`${objectPrefix}/run=run-2/_manifest.json`));
    expect(manifest).toMatchObject({
      version: 1,
      format: 'ndjson.gz',
      run_id: 'run-2',
      application_id: 'app-1',
      provider_name: 'hubspot',
      customer_id: 'cust-1',
      object: 'deals',
      object_type: 'standard',
      strategy: 'full',
      success: true,
      cursor: '2024-01-02T03:04:05.000Z',
      run_started_at: '2024-05-01T00:00:00.000Z',
      num_records_synced: 3,
      num_records_written: 3,
    });
    expect(Date.parse(manifest.finished_at)).not.toBeNaN();
    expect(manifest.parts).toEqual(
      [0, 1, 2].map((seq, i) => {
        const key = `${objectPrefix}/run=run-2/part-00000${seq}.ndjson.gz`;
        return { key, seq, records: [2, 1, 0][i], bytes: byKey.get(key)!.Size };
      }),
    );
    const manifestTime = byKey.get(`${objectPrefix}/run=run-2/_manifest.json`)!.LastModified!.getTime();
    for (const p of manifest.parts) expect(byKey.get(p.key)!.LastModified!.getTime()).toBeLessThanOrEqual(manifestTime);

    expect(JSON.parse(await getText(`${objectPrefix}/latest.json`))).toEqual({
      run_id: 'run-2',
      run_prefix: `${objectPrefix}/run=run-2`,
      manifest_key: `${objectPrefix}/run=run-2/_manifest.json`,
      strategy: 'full',
      num_records: 3,
      finished_at: manifest.finished_at,
    });

    // A successful incremental run does not move latest.json.
    await writer.writeBatch(t, { runId: 'run-3', seq: 0, records: [rec('d')] });
    await writer.finishRun(t, { runId: 'run-3', strategy: 'incremental', success: true, runStartedAt: startedAt, numRecordsSynced: 1, cursor: 'c3' });
    expect(JSON.parse(await getText(`${objectPrefix}/run=run-3/_manifest.json`))).toMatchObject({ strategy: 'incremental', success: true });
    expect(JSON.parse(await getText(`${objectPrefix}/latest.json`)).run_id).toBe('run-2');
  });

  it('test() writes and deletes a probe object', async () => {
    await writer.test();
    expect(await listKeys('exports/_syncwell_connection_test/')).toEqual([]);
  });

  it('test() and prepare() explain a missing bucket', async () => {
    const w = createS3Writer({ ...config, bucket: 'no-such-bucket' });
    await expect(w.test()).rejects.toThrow("bucket 'no-such-bucket' does not exist");
    await expect(w.prepare(target)).rejects.toThrow("bucket 'no-such-bucket' does not exist");
    await w.close();
  });

  it('test() explains bad credentials without echoing the secret', async () => {
    const wrongSecret = 'definitely-not-the-secret-42';
    const w = createS3Writer({ ...config, secret_access_key: wrongSecret });
    const err = (await w.test().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/access denied \(secret_access_key does not match\): check access_key_id\/secret_access_key/);
    expect(err.message).not.toContain(wrongSecret);
    await w.close();

    const w2 = createS3Writer({ ...config, access_key_id: 'AKIDUNKNOWN' });
    await expect(w2.test()).rejects.toThrow(/access denied \(unknown access_key_id\)/);
    await w2.close();
  });

  it('test() explains an unreachable endpoint', async () => {
    const w = createS3Writer({ ...config, endpoint: 'http://127.0.0.1:1' });
    await expect(w.test()).rejects.toThrow('cannot reach http://127.0.0.1:1 (ECONNREFUSED)');
    await w.close();
  });

  it('leaves objects written outside its layout alone', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${RUN_PREFIX}/run=run-x/notes.txt`, Body: 'hi' }));
    await writer.writeBatch(target, { runId: 'run-x', seq: 0, records: [rec('1')] });
    await writer.finishRun(target, { runId: 'run-x', strategy: 'incremental', success: true, runStartedAt: new Date(), numRecordsSynced: 1, cursor: null });
    const manifest = JSON.parse(await getText(`${RUN_PREFIX}/run=run-x/_manifest.json`));
    expect(manifest.parts.map((p: { seq: number }) => p.seq)).toEqual([0]);
  });
});

describe('s3DestinationConfigSchema', () => {
  it('normalises s3:// bucket URLs and prefixes and rejects bad input', () => {
    const parsed = s3DestinationConfigSchema.parse({
      region: 'us-west-2',
      bucket: 's3://my-bucket-name/',
      access_key_id: 'AKID',
      secret_access_key: 'secret',
      prefix: '/a/b/',
    });
    expect(parsed).toMatchObject({ bucket: 'my-bucket-name', prefix: 'a/b' });
    expect(s3DestinationConfigSchema.safeParse({ region: 'x', bucket: 'a/b', access_key_id: 'k', secret_access_key: 's' }).success).toBe(false);
    expect(s3DestinationConfigSchema.safeParse({ region: 'x', bucket: 'ok-bucket', access_key_id: 'k' }).success).toBe(false);
  });
});
