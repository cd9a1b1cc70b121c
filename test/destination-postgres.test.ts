import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecord, measureRawCopyStats } from '../bench/copy-baseline';
import {
  createPostgresWriter,
  postgresDestinationConfigSchema,
  PostgresDestinationError,
  quoteIdent,
  sanitizeIdentifier,
  sslOptions,
  tableName,
  writeBatchInTransaction,
  type PostgresDestinationConfigInput,
  type PostgresDestinationWriter,
} from '../destinations/postgres';
import { CopyBuffer } from '../destinations/postgres/copy';
import { createWriterCache } from '../destinations/registry';
import { parseJsonPath } from '../providers/declarative/json-path';
import { createRecordMapper, PageTexts, parseJsonResponse, selectRecords } from '../providers/declarative/records';
import type { DestinationRecord, WriteTarget } from '../destinations/types';
import { createEmptyDatabase, postgresDestinationConfig } from './helpers/db';

let dest: Awaited<ReturnType<typeof createEmptyDatabase>>;
let config: PostgresDestinationConfigInput;
let sql: pg.Client;
const writers: PostgresDestinationWriter[] = [];

function configFor(url: string, extra: Partial<PostgresDestinationConfigInput> = {}): PostgresDestinationConfigInput {
  return postgresDestinationConfig(url, { schema: 'syncwell', ...extra });
}

function writer(extra: Partial<PostgresDestinationConfigInput> = {}, opts: Parameters<typeof createPostgresWriter>[1] = {}) {
  const w = createPostgresWriter({ ...config, ...extra }, { poolSize: 2, ...opts });
  writers.push(w);
  return w;
}

const T0 = new Date('2024-03-01T10:00:00.000Z');
const T1 = new Date('2024-03-02T10:00:00.000Z');

function rec(id: string, raw: Record<string, unknown> = {}, over: Partial<DestinationRecord> = {}): DestinationRecord {
  return { id, lastModifiedAt: T0, isDeleted: false, emittedAt: T0, raw: { id, ...raw }, mapped: {}, ...over };
}

function target(over: Partial<WriteTarget> = {}): WriteTarget {
  return { applicationId: 'app1', customerId: 'cust1', providerName: 'hubspot', object: 'deals', objectType: 'standard', ...over };
}

async function rows(schema: string, table: string, where = 'true'): Promise<Record<string, any>[]> {
  const res = await sql.query(`SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table)} WHERE ${where} ORDER BY _supaglue_customer_id, _supaglue_id`);
  return res.rows;
}

beforeAll(async () => {
  dest = await createEmptyDatabase('pgdest');
  config = configFor(dest.url);
  sql = new pg.Client({ connectionString: dest.url });
  await sql.connect();
});

afterAll(async () => {
  await Promise.allSettled(writers.map((w) => w.close()));
  await sql?.end();
  await dest?.drop();
});

describe('config', () => {
  it('parses postgres_config_unsafe and rejects bad values', () => {
    const parsed = postgresDestinationConfigSchema.parse({ ...config, port: '5433', ssl_mode: undefined });
    expect(parsed.port).toBe(5433);
    expect(() => postgresDestinationConfigSchema.parse({ ...config, ssl_mode: 'always' })).toThrow();
    expect(() => postgresDestinationConfigSchema.parse({ ...config, host: '' })).toThrow();
    expect(() => postgresDestinationConfigSchema.parse({ ...config, client_cert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' })).toThrow(/client_key/);
  });
});

describe('ssl modes', () => {
  it('map to TLS options like libpq', () => {
    const c = (extra: Partial<PostgresDestinationConfigInput>) => postgresDestinationConfigSchema.parse({ ...config, host: 'db.example.com', ...extra });
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(sslOptions(c({ ssl_mode: 'disable' }))).toBe(false);
    expect(sslOptions(c({ ssl_mode: undefined }))).toMatchObject({ rejectUnauthorized: false });
    expect(sslOptions(c({ ssl_mode: 'no-verify' }))).toMatchObject({ rejectUnauthorized: false });
    expect(sslOptions(c({ ssl_mode: 'require' }))).toMatchObject({ rejectUnauthorized: false });
    const requireWithCa = sslOptions(c({ ssl_mode: 'require', server_ca_cert: ca }));
    expect(requireWithCa).toMatchObject({ rejectUnauthorized: true, ca });
    const verifyCa = sslOptions(c({ ssl_mode: 'verify-ca', server_ca_cert: ca }));
    expect(verifyCa && verifyCa.checkServerIdentity?.('other.host', {} as never)).toBeUndefined();
    const full = sslOptions(c({ ssl_mode: 'verify-full', server_ca_cert: ca, server_name: 'pg.internal', client_cert: ca, client_key: ca }));
    expect(full).toMatchObject({ rejectUnauthorized: true, ca, cert: ca, key: ca });
    expect(full && full.checkServerIdentity?.('db.example.com', { subject: { CN: 'db.example.com' }, subjectaltname: 'DNS:db.example.com' } as never)).toBeInstanceOf(Error);
    expect(full && full.checkServerIdentity?.('db.example.com', { subject: { CN: 'pg.internal' }, subjectaltname: 'DNS:pg.internal' } as never)).toBeUndefined();
    expect(sslOptions(c({ ssl_mode: 'verify-full', host: '10.0.0.5' }))).not.toHaveProperty('servername');
  });
});

describe('naming', () => {
  it('sanitizes identifiers: lowercase, [a-z0-9_], at most 63 bytes, long names stay distinct', () => {
    expect(sanitizeIdentifier('Deal Stages')).toBe('deal_stages');
    expect(sanitizeIdentifier('Hub"Spot')).toBe('hub_spot');
    expect(sanitizeIdentifier('Société Générale!')).toBe('societe_generale');
    expect(sanitizeIdentifier('Invoice__c')).toBe('invoice__c');
    expect(sanitizeIdentifier('x"; DROP TABLE users; --')).toBe('x_drop_table_users');
    const a = sanitizeIdentifier(`${'a'.repeat(70)}_one`);
    const b = sanitizeIdentifier(`${'a'.repeat(70)}_two`);
    expect(a.length).toBe(63);
    expect(b.length).toBe(63);
    expect(a).not.toBe(b);
    expect(() => sanitizeIdentifier('"""')).toThrow(/cannot derive/);
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });

  it('names tables like Supaglue', () => {
    const t = (object: string, objectType: WriteTarget['objectType'] = 'common') => tableName({ providerName: 'salesforce', object, objectType });
    expect(t('contact')).toBe('crm_contacts');
    expect(t('account')).toBe('crm_accounts');
    expect(t('opportunity')).toBe('crm_opportunities');
    expect(t('lead')).toBe('crm_leads');
    expect(t('user')).toBe('crm_users');
    expect(t('Account', 'standard')).toBe('salesforce_account');
    expect(t('My_Object__c', 'custom')).toBe('salesforce_my_object__c');
    expect(tableName({ providerName: 'x', object: 'y', objectType: 'standard', table: 'Order' })).toBe('order');
  });
});

describe('writes', () => {
  it('writes exactly the rows of its batches, with every _supaglue_ column', async () => {
    const w = writer();
    const t = target();
    await w.prepare(t);
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('1', { amount: 10 }), rec('2', { amount: 20 }, { lastModifiedAt: null })] });
    await w.writeBatch(t, {
      runId: 'r1',
      seq: 1,
      records: [{ ...rec('3', { amount: 30 }), mapped: { value: 30 }, isDeleted: true, emittedAt: T1 }],
    });
    const got = await rows('syncwell', 'hubspot_deals');
    expect(got).toEqual([
      {
        _supaglue_application_id: 'app1',
        _supaglue_provider_name: 'hubspot',
        _supaglue_customer_id: 'cust1',
        _supaglue_id: '1',
        _supaglue_emitted_at: T0,
        _supaglue_last_modified_at: T0,
        _supaglue_is_deleted: false,
        _supaglue_raw_data: { id: '1', amount: 10 },
        _supaglue_mapped_data: {},
      },
      expect.objectContaining({ _supaglue_id: '2', _supaglue_last_modified_at: null, _supaglue_raw_data: { id: '2', amount: 20 } }),
      expect.objectContaining({ _supaglue_id: '3', _supaglue_is_deleted: true, _supaglue_emitted_at: T1, _supaglue_mapped_data: { value: 30 } }),
    ]);
    const pk = await sql.query(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = 'syncwell.hubspot_deals'::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    );
    expect(pk.rows.map((r) => r.attname)).toEqual(['_supaglue_application_id', '_supaglue_provider_name', '_supaglue_customer_id', '_supaglue_id']);
  });

  it('common objects land in crm_<object>s with _supaglue_unified_data', async () => {
    const w = writer();
    const t = target({ providerName: 'salesforce', object: 'opportunity', objectType: 'common' });
    await w.prepare(t);
    await w.writeBatch(t, {
      runId: 'r1',
      seq: 0,
      records: [{ ...rec('o1', { Name: 'Big' }), unified: { name: 'Big', amount: 5 } }, rec('o2')],
    });
    const got = await rows('syncwell', 'crm_opportunities');
    expect(got.map((r) => [r._supaglue_id, r._supaglue_unified_data])).toEqual([
      ['o1', { name: 'Big', amount: 5 }],
      ['o2', null],
    ]);
  });

  it('a retried batch overwrites, never duplicates; ids are per application/provider/customer', async () => {
    const w = writer();
    const t = target({ object: 'retry' });
    const batch = { runId: 'r1', seq: 0, records: [rec('a'), rec('b'), rec('c')] };
    await w.writeBatch(t, batch);
    await w.writeBatch(t, batch);
    await w.writeBatch(t, { ...batch, records: [rec('a', { v: 2 }), rec('b'), rec('c')] });
    await w.writeBatch({ ...t, customerId: 'cust2' }, batch);
    const got = await rows('syncwell', 'hubspot_retry');
    expect(got.map((r) => `${r._supaglue_customer_id}/${r._supaglue_id}`)).toEqual(['cust1/a', 'cust1/b', 'cust1/c', 'cust2/a', 'cust2/b', 'cust2/c']);
    expect(got[0]!._supaglue_raw_data).toEqual({ id: 'a', v: 2 });
  });

  it('dedupes ids within a batch: the last occurrence wins', async () => {
    const w = writer();
    const t = target({ object: 'dupes' });
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('x', { v: 1 }), rec('y', { v: 1 }), rec('x', { v: 2 }), rec('x', { v: 3 }), rec('y', { v: 2 })] });
    const got = await rows('syncwell', 'hubspot_dupes');
    expect(got.map((r) => [r._supaglue_id, r._supaglue_raw_data.v])).toEqual([
      ['x', 3],
      ['y', 2],
    ]);
  });

  it('tricky strings round-trip exactly through COPY', async () => {
    const w = writer();
    const t = target({ object: 'tricky' });
    const nasty = [
      'tab\there',
      'line\nbreak',
      'carriage\r\nreturn',
      'back\\slash',
      '\\N',
      '\\.',
      '\\',
      'ends with backslash\\',
      '\\t literal',
      '\\u0000 literal escape text',
      `"double" and 'single' quotes`,
      'unicode: ü ß 日本語 😀 \u2028 \u200b',
      'comma,semicolon;pipe|',
      '',
      ' ',
    ];
    const records = nasty.map((s, i) => rec(`id-${i}-${s}`, { s, nested: { [`key ${s}`]: [s, { s }] } }, { mapped: { s } }));
    await w.writeBatch(t, { runId: 'r1', seq: 0, records });
    const got = await sql.query(`SELECT * FROM syncwell.hubspot_tricky`);
    expect(got.rows).toHaveLength(records.length);
    const byId = new Map(got.rows.map((r) => [r._supaglue_id as string, r]));
    for (const r of records) {
      const row = byId.get(r.id);
      expect(row, JSON.stringify(r.id)).toBeDefined();
      expect(row!._supaglue_raw_data).toEqual(r.raw);
      expect(row!._supaglue_mapped_data).toEqual(r.mapped);
    }
  });

  it('drops NUL characters and replaces lone surrogates (Postgres cannot store them)', async () => {
    const w = writer();
    const t = target({ object: 'nul' });
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('n\u0000ul', { s: 'a\u0000b', bad: 'x\ud800y' })] });
    const got = await rows('syncwell', 'hubspot_nul');
    expect(got.map((r) => [r._supaglue_id, r._supaglue_raw_data])).toEqual([['nul', { id: 'nul', s: 'ab', bad: 'x\ufffdy' }]]);
  });

  it("a record's own JSON text from the provider's page stores as the same jsonb as its parsed record", async () => {
    const w = writer();
    const kept = target({ object: 'raw_text', customerId: 'kept' });
    const parsed = { ...kept, customerId: 'parsed' };
    const records = [
      '{"id":"plain","n":42,"x":-0.25,"b":true,"z":null,"a":[1,[2,{"c":"d"}]],"o":{}}',
      String.raw`{"id":"escapes","s":"tab\there \"q\" back\\slash \/ \u00e9 \u65e5 \n","k\"ey":"\\N"}`,
      '{"id":"unicode","s":"ü ß 日本語 😀 \u2028","ü":"key"}',
      '{"id":"dupes","v":1,"v":2,"o":{"w":1,"w":[3]}}',
      '{"id":"int-keys","2":"b","1":"a","10":"c"}',
      '{"id":"numbers","big":12345678901234567890,"one":1.0,"exp":1e3,"neg0":-0,"tiny":5e-324,"huge":1e400}',
      String.raw`{"id":"nul","s":"a\u0000b","t":"\ud800"}`,
      '{ "id" : "pretty",\n "v" : [ 1 , 2 ] }',
    ];
    const page = `{"data":[${records.join(',')}],"next":null}`;
    const body = parseJsonResponse({ status: 200, headers: new Headers({ 'content-type': 'application/json' }), url: 'http://x/', body: page }, 'GET x');
    const map = createRecordMapper({ primaryKey: 'id' });
    const items = selectRecords(body, parseJsonPath('$.data'), 'GET x');
    const texts = new PageTexts(page, parseJsonPath('$.data'), items.length);
    const source = items.map((item, i) => map(item, undefined, texts, i));
    // Records jsonb would store differently from JSON.parse + JSON.stringify go without their text.
    expect(source.map((r) => [r.id, r.rawJson !== undefined])).toEqual([
      ['plain', true],
      ['escapes', true],
      ['unicode', true],
      ['dupes', true],
      ['int-keys', true],
      ['numbers', false],
      ['nul', false],
      ['pretty', false],
    ]);
    const toDest = ({ rawJson, ...r }: (typeof source)[number], keep: boolean): DestinationRecord => ({ ...r, ...(keep && rawJson ? { rawJson } : {}), emittedAt: T0, mapped: {} });
    await w.writeBatch(kept, { runId: 'r1', seq: 0, records: source.map((r) => toDest(r, true)) });
    await w.writeBatch(parsed, { runId: 'r2', seq: 0, records: source.map((r) => toDest(r, false)) });
    const stored = await sql.query<{ id: string; kept: string; parsed: string }>(
      `SELECT k._supaglue_id AS id, k._supaglue_raw_data::text AS kept, p._supaglue_raw_data::text AS parsed
         FROM syncwell.hubspot_raw_text k JOIN syncwell.hubspot_raw_text p USING (_supaglue_id)
        WHERE k._supaglue_customer_id = 'kept' AND p._supaglue_customer_id = 'parsed' ORDER BY 1`,
    );
    expect(stored.rows).toHaveLength(records.length);
    for (const row of stored.rows) expect(row.kept, row.id).toBe(row.parsed);
  });

  it('a lone batch without prepare creates its table, and a table dropped behind its back is recreated', async () => {
    const w = writer();
    const t = target({ object: 'lazy' });
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('1')] });
    await sql.query('DROP TABLE syncwell.hubspot_lazy');
    await w.writeBatch(t, { runId: 'r1', seq: 1, records: [rec('2')] });
    expect((await rows('syncwell', 'hubspot_lazy')).map((r) => r._supaglue_id)).toEqual(['2']);
  });

  it('an empty batch is a no-op', async () => {
    const w = writer();
    await w.writeBatch(target({ object: 'empty' }), { runId: 'r1', seq: 0, records: [] });
    expect((await rows('syncwell', 'hubspot_empty')).length).toBe(0);
  });
});

describe('failures', () => {
  it('a rejected batch rolls back whole, classified, and the connection stays usable', async () => {
    await sql.query(`CREATE TABLE syncwell.hubspot_checked (
      _supaglue_application_id text, _supaglue_provider_name text, _supaglue_customer_id text, _supaglue_id text CHECK (_supaglue_id <> 'bad'),
      _supaglue_emitted_at timestamptz, _supaglue_last_modified_at timestamptz, _supaglue_is_deleted boolean,
      _supaglue_raw_data jsonb, _supaglue_mapped_data jsonb,
      PRIMARY KEY (_supaglue_application_id, _supaglue_provider_name, _supaglue_customer_id, _supaglue_id))`);
    const w = writer({}, { poolSize: 1 });
    const t = target({ object: 'checked' });
    const err = await w.writeBatch(t, { runId: 'r', seq: 0, records: [rec('good'), rec('bad')] }).then(
      () => {
        throw new Error('write passed');
      },
      (e: unknown) => e as PostgresDestinationError,
    );
    expect(err).toBeInstanceOf(PostgresDestinationError);
    expect(err.kind).toBe('data');
    expect(err.message).toMatch(/"syncwell"\."hubspot_checked"/);
    expect(await rows('syncwell', 'hubspot_checked')).toEqual([]);
    await w.writeBatch(t, { runId: 'r', seq: 1, records: [rec('good')] });
    expect((await rows('syncwell', 'hubspot_checked')).map((r) => r._supaglue_id)).toEqual(['good']);
  });

  it('an existing table without the primary key gets a readable configuration error', async () => {
    await sql.query(`CREATE TABLE syncwell.hubspot_nopk (
      _supaglue_application_id text, _supaglue_provider_name text, _supaglue_customer_id text, _supaglue_id text,
      _supaglue_emitted_at timestamptz, _supaglue_last_modified_at timestamptz, _supaglue_is_deleted boolean,
      _supaglue_raw_data jsonb)`);
    const w = writer();
    const t = target({ object: 'nopk' });
    await w.prepare(t); // adds the missing _supaglue_mapped_data column
    const err = await w.writeBatch(t, { runId: 'r', seq: 0, records: [rec('1')] }).then(
      () => {
        throw new Error('write passed');
      },
      (e: unknown) => e as PostgresDestinationError,
    );
    expect(err.kind).toBe('configuration');
    expect(err.message).toMatch(/no primary key or unique index/);
  });
});

describe('transaction hooks', () => {
  beforeAll(async () => {
    await sql.query('CREATE TABLE IF NOT EXISTS public.progress (run_id text PRIMARY KEY, seq int)');
  });

  it('afterWrite commits with the batch, and its failure rolls the batch back', async () => {
    const w = writer();
    const t = target({ object: 'hooked' });
    await w.writeBatch(
      t,
      { runId: 'r1', seq: 0, records: [rec('1')] },
      {
        afterWrite: async (client) => {
          await client.query('INSERT INTO public.progress VALUES ($1, $2)', ['r1', 0]);
        },
      },
    );
    await expect(
      w.writeBatch(
        t,
        { runId: 'r1', seq: 1, records: [rec('2')] },
        {
          afterWrite: async (client) => {
            await client.query('UPDATE public.progress SET seq = 1 WHERE run_id = $1', ['r1']);
            throw new Error('engine refused');
          },
        },
      ),
    ).rejects.toThrow(/engine refused/);
    expect((await rows('syncwell', 'hubspot_hooked')).map((r) => r._supaglue_id)).toEqual(['1']);
    expect((await sql.query('SELECT seq FROM public.progress WHERE run_id = $1', ['r1'])).rows).toEqual([{ seq: 0 }]);
  });

  it('writeBatchInTransaction runs in the caller’s own transaction (twice in one)', async () => {
    const w = writer();
    const t = target({ object: 'own_tx' });
    await w.prepare(t);
    const client = new pg.Client({ connectionString: dest.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const a = await writeBatchInTransaction(client, t, { runId: 'r', seq: 0, records: [rec('1'), rec('1'), rec('2')] }, { defaultSchema: 'syncwell' });
      const b = await writeBatchInTransaction(client, t, { runId: 'r', seq: 1, records: [rec('3')] }, { defaultSchema: 'syncwell' });
      expect(a).toEqual({ received: 3, upserted: 2, inserted: 2, direct: false });
      expect(b).toEqual({ received: 1, upserted: 1, inserted: 1, direct: false });
      expect((await rows('syncwell', 'hubspot_own_tx')).length).toBe(0); // not visible to others before COMMIT
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    expect((await rows('syncwell', 'hubspot_own_tx')).length).toBe(0);
  });
});

describe('direct insert of new rows (first full load)', () => {
  const inTx = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: dest.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } finally {
      await client.end();
    }
  };
  const write = (t: WriteTarget, records: DestinationRecord[], direct: boolean) =>
    inTx((c) => writeBatchInTransaction(c, t, { runId: 'r', seq: 1, records }, { defaultSchema: 'syncwell', direct }));
  const content = (r: Record<string, any>) => {
    const { _supaglue_customer_id: _c, ...rest } = r;
    return rest;
  };

  it('COPYs all-new rows straight into the table, with the same rows the upsert writes', async () => {
    const w = writer();
    const direct = target({ object: 'direct_same', customerId: 'direct' });
    const upsert = { ...direct, customerId: 'upsert' };
    await w.prepare(direct);
    const batch = [rec('1', { name: 'tab\there', n: 1.5 }), rec('2', { s: 'back\\slash\nnl' }, { lastModifiedAt: null }), rec('3', {}, { isDeleted: true, mapped: { m: 1 } })];
    expect(await write(direct, batch, true)).toEqual({ received: 3, upserted: 3, inserted: 3, direct: true });
    expect(await write(upsert, batch, false)).toEqual({ received: 3, upserted: 3, inserted: 3, direct: false });
    const got = await rows('syncwell', 'hubspot_direct_same');
    expect(got.filter((r) => r._supaglue_customer_id === 'direct').map(content)).toEqual(got.filter((r) => r._supaglue_customer_id === 'upsert').map(content));
    expect(got.find((r) => r._supaglue_customer_id === 'direct' && r._supaglue_id === '1')!._supaglue_raw_data).toEqual({ id: '1', name: 'tab\there', n: 1.5 });
  });

  it('falls back to the upsert when an id exists or repeats, and the batch lands whole', async () => {
    const w = writer();
    const t = target({ object: 'direct_fallback' });
    await w.prepare(t);
    await write(t, [rec('a', { v: 1 })], true);
    // 'a' exists: the direct COPY is rolled back to its savepoint; the upsert updates 'a' and inserts 'b'.
    expect(await write(t, [rec('b', { v: 1 }), rec('a', { v: 2 })], true)).toEqual({ received: 2, upserted: 2, inserted: 1, direct: false });
    // A repeated id within the batch: the last occurrence wins, as on the upsert path.
    expect(await write(t, [rec('c', { v: 1 }), rec('c', { v: 2 })], true)).toEqual({ received: 2, upserted: 1, inserted: 1, direct: false });
    expect((await rows('syncwell', 'hubspot_direct_fallback')).map((r) => [r._supaglue_id, r._supaglue_raw_data.v])).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('the writer goes direct while a run only adds rows, and upserts after a batch that did not until one only adds rows', async () => {
    const lines: Array<{ seq: number; direct: boolean }> = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const w = writer({}, { logger });
    const t = target({ object: 'direct_policy' });
    const batch = (seq: number, ids: string[], runId = 'run1') => w.writeBatch(t, { runId, seq, records: ids.map((id) => rec(id, { seq })) });
    await batch(1, ['1', '2']);
    await batch(2, ['3', '4']);
    await batch(3, ['4', '5']); // a replayed id: this batch upserts...
    await batch(4, ['5', '6']); // ...and so does the next while it finds existing rows...
    await batch(5, ['90']); // ...until an upserted batch only added rows
    await batch(6, ['91']);
    await batch(1, ['1', '7'], 'run2'); // another run tries direct again (and needs the upsert)
    await batch(1, ['8'], 'run3');
    expect(lines.filter((l) => 'direct' in l).map((l) => [l.seq, l.direct])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
      [5, false],
      [6, true],
      [1, false],
      [1, true],
    ]);
    expect((await rows('syncwell', 'hubspot_direct_policy')).map((r) => [r._supaglue_id, r._supaglue_raw_data.seq])).toEqual([
      ['1', 1],
      ['2', 1],
      ['3', 2],
      ['4', 3],
      ['5', 4],
      ['6', 4],
      ['7', 1],
      ['8', 1],
      ['90', 5],
      ['91', 6],
    ]);
  });
});

describe('finishRun', () => {
  it('soft-deletes unseen rows only after a successful full run', async () => {
    const w = writer();
    const t = target({ object: 'softdel' });
    const other = { ...t, customerId: 'other' };
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: ['a', 'b', 'c'].map((id) => rec(id)) });
    await w.writeBatch(other, { runId: 'o1', seq: 0, records: [rec('z')] });
    await w.finishRun(t, { runId: 'r1', strategy: 'full', success: true, runStartedAt: T0, numRecordsSynced: 3, cursor: null });
    const deletedIds = async () => (await rows('syncwell', 'hubspot_softdel', '_supaglue_is_deleted')).map((r) => `${r._supaglue_customer_id}/${r._supaglue_id}`);
    expect(await deletedIds()).toEqual([]);

    // Run 2 sees a and b only.
    await w.writeBatch(t, { runId: 'r2', seq: 0, records: ['a', 'b'].map((id) => rec(id, {}, { emittedAt: T1 })) });
    await w.finishRun(t, { runId: 'r2', strategy: 'full', success: false, runStartedAt: T1, numRecordsSynced: 2, cursor: null });
    expect(await deletedIds()).toEqual([]);
    await w.finishRun(t, { runId: 'r2', strategy: 'incremental', success: true, runStartedAt: T1, numRecordsSynced: 2, cursor: 'c' });
    expect(await deletedIds()).toEqual([]);
    await w.finishRun(t, { runId: 'r2', strategy: 'full', success: true, runStartedAt: T1, numRecordsSynced: 2, cursor: null });
    expect(await deletedIds()).toEqual(['cust1/c']);

    // A record seen again is undeleted by its upsert.
    await w.writeBatch(t, { runId: 'r3', seq: 0, records: [rec('c', {}, { emittedAt: new Date(T1.getTime() + 1000) })] });
    expect(await deletedIds()).toEqual([]);
  });

  it('holdsRecordsBefore: only a live row of the same application/provider/customer emitted before the time counts', async () => {
    const w = writer();
    const t = target({ object: 'held' });
    const held = (at: Date, over: Partial<WriteTarget> = {}) => w.holdsRecordsBefore({ ...t, ...over }, at);
    expect(await held(T1)).toBe(false); // no table yet
    await w.writeBatch(t, { runId: 'h1', seq: 0, records: [rec('a', {}, { emittedAt: T1 })] });
    await w.writeBatch({ ...t, customerId: 'other' }, { runId: 'h2', seq: 0, records: [rec('z')] });
    expect(await held(T1)).toBe(false); // a row emitted at the run's start is the run's own
    expect(await held(new Date(T1.getTime() + 1))).toBe(true);
    expect(await held(T1, { customerId: 'other' })).toBe(true);
    expect(await held(T1, { customerId: 'nobody' })).toBe(false);
    await sql.query(`UPDATE syncwell.hubspot_held SET _supaglue_is_deleted = true WHERE _supaglue_id = 'a'`);
    expect(await held(new Date(T1.getTime() + 1))).toBe(false); // soft-deleted rows are not held
  });

  it('a full run that started empty skips the soft-delete pass', async () => {
    const w = writer();
    const t = target({ object: 'startedempty' });
    await w.writeBatch(t, { runId: 'e0', seq: 0, records: [rec('old')] });
    const finish = { runId: 'e1', strategy: 'full', success: true, runStartedAt: T1, numRecordsSynced: 0, cursor: null } as const;
    // Claimed only when nothing older was there; here the claim is false, to show that the pass is skipped.
    await w.finishRun(t, { ...finish, startedEmpty: true });
    expect((await rows('syncwell', 'hubspot_startedempty')).map((r) => [r._supaglue_id, r._supaglue_is_deleted])).toEqual([['old', false]]);
    await w.finishRun(t, finish);
    expect((await rows('syncwell', 'hubspot_startedempty')).map((r) => [r._supaglue_id, r._supaglue_is_deleted])).toEqual([['old', true]]);
  });

  it('a full run against a table that was never written to does nothing', async () => {
    const w = writer();
    await expect(
      w.finishRun(target({ object: 'never', schema: 'never_schema' }), { runId: 'r', strategy: 'full', success: true, runStartedAt: T1, numRecordsSynced: 0, cursor: null }),
    ).resolves.toBeUndefined();
  });
});

describe('tables and identifiers', () => {
  it('honours schema and table overrides (sanitized, quoted, reserved words fine)', async () => {
    const w = writer();
    const t = target({ schema: 'Custom Schema', table: 'Order' });
    await w.prepare(t);
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('1')] });
    expect(w.tableFor(t)).toEqual({ schema: 'custom_schema', table: 'order' });
    expect((await rows('custom_schema', 'order')).map((r) => r._supaglue_id)).toEqual(['1']);
    await w.finishRun(t, { runId: 'r2', strategy: 'full', success: true, runStartedAt: T1, numRecordsSynced: 0, cursor: null });
    expect((await rows('custom_schema', 'order'))[0]!._supaglue_is_deleted).toBe(true);
  });

  it('object and provider names with quotes, spaces and uppercase become safe quoted identifiers', async () => {
    const w = writer({ schema: 'Weird"Schema' });
    const t = target({ providerName: 'Hub"Spot', object: 'Deal Stages"; DROP TABLE syncwell.hubspot_deals; --', objectType: 'custom' });
    await w.prepare(t);
    await w.writeBatch(t, { runId: 'r1', seq: 0, records: [rec('1')] });
    const tables = await sql.query(`SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'weird_schema'`);
    expect(tables.rows).toEqual([{ table_schema: 'weird_schema', table_name: 'hub_spot_deal_stages_drop_table_syncwell_hubspot_deals' }]);
    expect((await sql.query('SELECT count(*)::int AS n FROM syncwell.hubspot_deals')).rows[0].n).toBe(3);
  });

  it('3 writers preparing the same tables at once all succeed', async () => {
    const ws = [writer(), writer(), writer()];
    for (let round = 0; round < 4; round++) {
      const t = target({ schema: `race_${round}`, object: `race_${round}`, objectType: round % 2 ? 'common' : 'standard' });
      await Promise.all(ws.map((w) => w.prepare(t)));
      await Promise.all(ws.map((w, i) => w.writeBatch(t, { runId: 'r', seq: i, records: [rec(`w${i}`)] })));
      const { schema, table } = ws[0]!.tableFor(t);
      expect((await rows(schema, table)).map((r) => r._supaglue_id)).toEqual(['w0', 'w1', 'w2']);
    }
  });
});

describe('writer cache (destinations/registry)', () => {
  it('keeps one writer per destination and rebuilds it (closing the old pool) when the version changes', async () => {
    const other = await createEmptyDatabase('pgcache');
    const cache = createWriterCache();
    const get = (ref: { id: string; version: number; config: PostgresDestinationConfigInput }): PostgresDestinationWriter =>
      cache.get({ ...ref, type: 'postgres', config: ref.config as unknown as Record<string, unknown> }) as PostgresDestinationWriter;
    const appName = 'syncwell';
    const connections = async () =>
      (await sql.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [other.name, appName])).rows[0].n as number;
    try {
      const cfg = configFor(other.url);
      const w1 = get({ id: 'd1', version: 1, config: cfg });
      expect(get({ id: 'd1', version: 1, config: cfg })).toBe(w1);
      await w1.writeBatch(target(), { runId: 'r', seq: 0, records: [rec('1')] });
      expect(await connections()).toBeGreaterThan(0);

      const w2 = get({ id: 'd1', version: 2, config: { ...cfg, schema: 'v2' } });
      expect(w2).not.toBe(w1);
      expect(w1.closed).toBe(true);
      expect(get({ id: 'd1', version: 1, config: cfg })).toBe(w2); // superseded config is not reopened
      await expect(w1.prepare(target({ object: 'after_close' }))).rejects.toThrow(/closed/);
      await expect.poll(connections, { timeout: 5_000 }).toBe(0);

      await w2.writeBatch(target(), { runId: 'r', seq: 0, records: [rec('1')] });
      expect(w2.tableFor(target()).schema).toBe('v2');
      expect(get({ id: 'd2', version: 1, config: cfg })).not.toBe(w2);
      expect(cache.size).toBe(2);
      await cache.closeAll();
      expect(w2.closed).toBe(true);
      await expect.poll(connections, { timeout: 5_000 }).toBe(0);
    } finally {
      await cache.closeAll();
      await other.drop();
    }
  });
});

describe('test()', () => {
  it('passes with good credentials and leaves no probe table behind (ssl_mode prefer falls back to plain TCP)', async () => {
    await writer({ ssl_mode: undefined, schema: 'probe_schema' }).test();
    const left = await sql.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'probe_schema'`);
    expect(left.rows).toEqual([]);
  });

  it('wrong password: authentication failed for user X', async () => {
    const err = await writer({ password: 'wrong-password' })
      .test()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostgresDestinationError);
    expect((err as PostgresDestinationError).kind).toBe('authentication');
    expect((err as Error).message).toMatch(/authentication failed for user "postgres"/);
    expect((err as Error).message).not.toContain('wrong-password');
  });

  it('unknown database, refused port, silent host and ssl required: readable errors', async () => {
    const unknownDb = await writer({ database: 'no_such_db' })
      .test()
      .then(
        () => {
          throw new Error('test() passed');
        },
        (e: unknown) => e as PostgresDestinationError,
      );
    expect(unknownDb.message).toMatch(/database "no_such_db" does not exist/);
    expect(unknownDb.kind).toBe('configuration');

    const refused = await writer({ port: 1 })
      .test()
      .then(
        () => {
          throw new Error('test() passed');
        },
        (e: unknown) => e as PostgresDestinationError,
      );
    expect(refused.message).toMatch(/cannot connect to Postgres at 127\.0\.0\.1:1: connection refused/);

    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const timedOut = await writer({ port }, { connectTimeoutMs: 500 })
        .test()
        .then(
          () => {
            throw new Error('test() passed');
          },
          (e: unknown) => e as PostgresDestinationError,
        );
      expect(timedOut.message).toMatch(/no answer within 0\.5s/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }

    const noSsl = await writer({ ssl_mode: 'require' })
      .test()
      .then(
        () => {
          throw new Error('test() passed');
        },
        (e: unknown) => e as PostgresDestinationError,
      );
    expect(noSsl.message).toMatch(/does not support SSL/);
    expect(noSsl.kind).toBe('configuration');
  });
});

describe('CopyBuffer', () => {
  it('holds exactly the UTF-8 of what was written, in chunks of about 64 KiB, a piece never split or cut short', () => {
    const out = new CopyBuffer();
    const pieces = ['a\tb\n', 'é☃😀'.repeat(5000), 'x'.repeat(200 * 1024), '', 'end\n'];
    const chunks: Buffer[] = [];
    for (let k = 0; k < 40; k++)
      for (const p of pieces) {
        out.write(p);
        if (out.ready) chunks.push(...out.take());
      }
    chunks.push(...out.end());
    expect(Buffer.concat(chunks).equals(Buffer.from(pieces.join('').repeat(40)))).toBe(true);
    expect(chunks.length).toBeGreaterThan(40);
    // A chunk only ends between pieces: each decodes on its own (no character cut in two).
    for (const c of chunks) expect(Buffer.from(c.toString('utf8')).equals(c)).toBe(true);
    expect(out.end()).toEqual([]);
  });
});

describe('copy baseline', () => {
  it('generates deterministic ~1 KB, 20-field records and measures raw COPY rows/s', async () => {
    const r = generateRecord(42);
    expect(generateRecord(42)).toEqual(r);
    expect(Object.keys(r)).toHaveLength(20);
    expect(r).toMatchObject({ id: 'rec_0000000042', updated_at: expect.any(String) });
    expect(JSON.stringify(r).length).toBeGreaterThan(950);
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(1000);
    const n = Number(process.env.COPY_BASELINE_ROWS ?? 5_000);
    const stats = await measureRawCopyStats(dest.url, n);
    expect(stats.rows).toBe(n);
    expect(stats.rowsPerSecond).toBeGreaterThan(0);
    console.log(`raw COPY baseline: ${Math.round(stats.rowsPerSecond)} rows/s (${(stats.bytes / 1e6).toFixed(1)} MB JSON in ${Math.round(stats.ms)} ms)`);
  });
});

// Opt-in: WRITER_BENCH_ROWS=100000 npx vitest run test/destination-postgres.test.ts -t "writer throughput"
describe.runIf(process.env.WRITER_BENCH_ROWS)('writer throughput', () => {
  it('writeBatch rows/s with 5,000-record batches of ~1 KB records', async () => {
    const n = Number(process.env.WRITER_BENCH_ROWS);
    const w = writer({ schema: 'bench' });
    const t = target({ object: 'bench' });
    await w.prepare(t);
    const started = performance.now();
    for (let seq = 0, i = 0; i < n; seq++) {
      const records: DestinationRecord[] = [];
      for (const end = Math.min(n, i + 5_000); i < end; i++) {
        const raw = generateRecord(i);
        records.push({ id: String(raw.id), lastModifiedAt: new Date(String(raw.updated_at)), isDeleted: false, emittedAt: T1, raw, mapped: {} });
      }
      await w.writeBatch(t, { runId: 'bench', seq, records });
    }
    const ms = performance.now() - started;
    console.log(`writer: ${Math.round((n / ms) * 1000)} rows/s (${n} rows in ${Math.round(ms)} ms)`);
  });
});
