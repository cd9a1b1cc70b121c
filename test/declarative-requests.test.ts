import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import { connect, readAll } from './helpers/declarative-harness';
import { startApiSimulator, type ApiSimulator, type SimHandler } from './helpers/http-api-simulator';

let sim: ApiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ok: SimHandler = () => ({ json: { data: [{ id: 1 }] } });

async function setup(def: Record<string, unknown>, params: Record<string, unknown>, handler: SimHandler = ok) {
  sim = await startApiSimulator(handler);
  const conn = connect({ id: 'acme', name: 'Acme', base_url: `${sim.url}/api`, ...def }, params);
  return conn;
}

const stream = (extra: Record<string, unknown> = {}) => ({ id: 'items', path: '/items', primary_key: 'id', records_selector: '$.data', ...extra });

describe('auth', () => {
  it('api_key in a header', async () => {
    const conn = await setup(
      {
        auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
        parameters: [{ name: 'api_key', required: true, secret: true }],
        streams: [stream()],
      },
      { api_key: 'sekret-123' },
    );
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.headers['x-api-key']).toBe('sekret-123');
    expect(sim!.requests[0]!.query).toEqual({});
  });

  it('api_key in the query string', async () => {
    const conn = await setup(
      { auth: { type: 'api_key', location: 'query', name: 'api_key', value: '{config.api_key}' }, parameters: [{ name: 'api_key', secret: true }], streams: [stream()] },
      { api_key: 'k&y=1' },
    );
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.query).toEqual({ api_key: 'k&y=1' });
  });

  it('basic with an empty password', async () => {
    const conn = await setup({ auth: { type: 'basic', username: '{config.api_key}' }, parameters: [{ name: 'api_key' }], streams: [stream()] }, { api_key: 'tok' });
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('tok:').toString('base64')}`);
  });

  it('basic with username and password', async () => {
    const conn = await setup(
      { auth: { type: 'basic', username: '{config.user}', password: '{config.pass}' }, parameters: [{ name: 'user' }, { name: 'pass', secret: true }], streams: [stream()] },
      { user: 'ann', pass: 'p@ss:word' },
    );
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.headers.authorization).toBe('Basic YW5uOnBAc3M6d29yZA==');
  });

  it('bearer', async () => {
    const conn = await setup({ auth: { type: 'bearer', token: '{config.token}' }, parameters: [{ name: 'token' }], streams: [stream()] }, { token: 'abc.def' });
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.headers.authorization).toBe('Bearer abc.def');
  });

  it('none sends no credentials', async () => {
    const conn = await setup({ streams: [stream()] }, {});
    await readAll(conn, 'items');
    expect(sim!.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('variables', () => {
  const def = {
    parameters: [{ name: 'account', required: true }, { name: 'status' }, { name: 'region' }, { name: 'owner' }, { name: 'limit', default: 50 }],
    streams: [
      stream({
        path: '/accounts/{config.account}/items',
        query: { status: '{config.status}', region: 'eu-{config.region}', limit: '{config.limit}', fixed: 1 },
        headers: { 'x-owner': '{config.owner}' },
      }),
    ],
  };

  it('substitutes values, URL-encodes path values and applies defaults', async () => {
    const conn = await setup(def, { account: 'a/b c', status: 'open', region: 'west', owner: 'me' });
    await readAll(conn, 'items');
    const q = sim!.requests[0]!;
    expect(q.path).toBe('/api/accounts/a%2Fb%20c/items');
    expect(q.query).toEqual({ status: 'open', region: 'eu-west', limit: '50', fixed: '1' });
    expect(q.headers['x-owner']).toBe('me');
  });

  it('drops query parameters and headers whose optional variable is absent', async () => {
    const conn = await setup(def, { account: 'acc', status: '' });
    await readAll(conn, 'items');
    const q = sim!.requests[0]!;
    expect(q.query).toEqual({ limit: '50', fixed: '1' });
    expect(q.headers['x-owner']).toBeUndefined();
  });

  it('fails clearly when a required parameter is missing', async () => {
    const conn = await setup(def, {});
    await expect(readAll(conn, 'items')).rejects.toMatchObject({ kind: 'configuration', message: expect.stringContaining('account') });
    expect(sim!.requests).toHaveLength(0);
  });

  it('POST body template: types preserved, absent optional members dropped', async () => {
    const conn = await setup(
      {
        parameters: [{ name: 'team' }, { name: 'tag' }, { name: 'since' }],
        streams: [stream({ method: 'POST', body: { team: '{config.team}', label: 'team {config.team}', tag: '{config.tag}', nested: { list: ['{config.team}', 'x'], n: 5 } } })],
      },
      { team: 42 },
    );
    await readAll(conn, 'items');
    const q = sim!.requests[0]!;
    expect(q.method).toBe('POST');
    expect(q.headers['content-type']).toBe('application/json');
    expect(q.json).toEqual({ team: 42, label: 'team 42', nested: { list: [42, 'x'], n: 5 } });
  });
});

describe('incremental cursor formats', () => {
  const since = new Date('2024-03-05T06:07:08.999Z');
  const cases: [string, string][] = [
    ['timestamp', '1709618828'],
    ['timestamp_ms', '1709618828999'],
    ['iso8601', '2024-03-05T06:07:08.999Z'],
    ['%Y-%m-%d %H:%M:%S', '2024-03-05 06:07:08'],
    ['%Y-%m-%dT%H:%M:%S%z', '2024-03-05T06:07:08+0000'],
    ['%d/%m/%Y', '05/03/2024'],
  ];
  it.each(cases)('format %s', async (format, expected) => {
    const conn = await setup({ streams: [stream({ incremental: { replication_key: 'updated_at', param: 'since', format } })] }, {});
    await readAll(conn, 'items', { modifiedSince: since });
    expect(sim!.requests[0]!.query).toEqual({ since: expected });
  });

  it('header location; full reads send no cursor', async () => {
    const conn = await setup({ streams: [stream({ incremental: { replication_key: 'updated_at', location: 'header', param: 'x-since', format: 'iso8601' } })] }, {});
    await readAll(conn, 'items');
    await readAll(conn, 'items', { modifiedSince: since });
    expect(sim!.requests.map((q) => q.headers['x-since'])).toEqual([undefined, '2024-03-05T06:07:08.999Z']);
  });

  it('maps lastModifiedAt from ISO, seconds and milliseconds; keeps records equal to the cursor; drops strictly older ones', async () => {
    const conn = await setup({ streams: [stream({ incremental: { replication_key: 'meta.updated', param: 'since' } })] }, {}, () => ({
      json: {
        data: [
          { id: 'iso', meta: { updated: '2024-03-05T06:07:08.999Z' } },
          { id: 'sec', meta: { updated: 1709618900 } },
          { id: 'ms', meta: { updated: 1709618900123 } },
          { id: 'naive', meta: { updated: '2024-03-06 00:00:00' } },
          { id: 'old', meta: { updated: '2020-01-01T00:00:00Z' } },
          { id: 'unknown', meta: {} },
        ],
      },
    }));
    const { records } = await readAll(conn, 'items', { modifiedSince: since });
    expect(records.map((r) => [r.id, r.lastModifiedAt?.toISOString() ?? null])).toEqual([
      ['iso', '2024-03-05T06:07:08.999Z'],
      ['sec', '2024-03-05T06:08:20.000Z'],
      ['ms', '2024-03-05T06:08:20.123Z'],
      ['naive', '2024-03-06T00:00:00.000Z'],
      ['unknown', null],
    ]);
    const full = await readAll(conn, 'items');
    expect(full.records).toHaveLength(6);
  });

  it('streams without incremental ignore modifiedSince', async () => {
    const conn = await setup({ streams: [stream()] }, {});
    await readAll(conn, 'items', { modifiedSince: since });
    expect(sim!.requests[0]!.query).toEqual({});
  });
});

describe('responses', () => {
  it('rejects non-JSON content types naming the type', async () => {
    const conn = await setup({ streams: [stream()] }, {}, () => ({ headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html>login</html>' }));
    const err = await readAll(conn, 'items').catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe('configuration');
    expect(err.message).toContain('"text/html"');
    expect(err.message).toContain('GET http://127.0.0.1');
  });

  it('accepts +json media types', async () => {
    const conn = await setup({ streams: [stream()] }, {}, () => ({ headers: { 'content-type': 'application/vnd.api+json' }, body: '{"data":[{"id":7}]}' }));
    expect((await readAll(conn, 'items')).records.map((r) => r.id)).toEqual(['7']);
  });

  it('records_selector $, $.a[0].b and nested primary keys', async () => {
    sim = await startApiSimulator((q) =>
      q.path.endsWith('/flat') ? { json: [{ key: { id: 'x' } }, { key: { id: 'y' } }] } : { json: { results: [{ page: { rows: [{ id: 1 }, { id: 2 }] } }] } },
    );
    const conn = connect(
      {
        id: 'sel',
        name: 'Sel',
        base_url: sim.url,
        streams: [
          { id: 'flat', path: '/flat', primary_key: 'key.id' },
          { id: 'deep', path: '/deep', primary_key: 'id', records_selector: '$.results[0].page.rows' },
        ],
      },
      {},
    );
    expect((await readAll(conn, 'flat')).records.map((r) => r.id)).toEqual(['x', 'y']);
    expect((await readAll(conn, 'deep')).records.map((r) => r.id)).toEqual(['1', '2']);
  });

  it('without primary_key the id is the sha256 of the canonical JSON', async () => {
    const conn = await setup({ streams: [stream({ primary_key: undefined })] }, {}, () => ({
      json: {
        data: [
          { b: 1, a: { d: 2, c: 3 } },
          { a: { c: 3, d: 2 }, b: 1 },
        ],
      },
    }));
    const { records } = await readAll(conn, 'items');
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update('{"a":{"c":3,"d":2},"b":1}').digest('hex');
    expect(records.map((r) => r.id)).toEqual([expected, expected]);
  });

  it('listObjects describes streams as standard objects with schema fields', async () => {
    const conn = await setup(
      {
        streams: [
          stream({
            name: 'Items',
            incremental: { replication_key: 'updated_at', param: 'since' },
            schema: { type: 'object', properties: { id: { type: 'string' }, updated_at: { type: ['string', 'null'], format: 'date-time' } } },
          }),
          { id: 'other', path: '/other' },
        ],
      },
      {},
    );
    expect(await conn.listObjects()).toEqual([
      {
        name: 'items',
        objectType: 'standard',
        label: 'Items',
        supportsIncremental: true,
        fields: [
          { name: 'id', type: 'string', nullable: false },
          { name: 'updated_at', type: 'string', nullable: true, format: 'date-time' },
        ],
      },
      { name: 'other', objectType: 'standard', label: 'other', supportsIncremental: false, fields: undefined },
    ]);
  });

  it('unknown objects and object types are configuration errors', async () => {
    const conn = await setup({ streams: [stream()] }, {});
    await expect(conn.readPage({ object: 'nope', objectType: 'standard', modifiedSince: null, pageState: null })).rejects.toMatchObject({ kind: 'configuration' });
    await expect(conn.readPage({ object: 'items', objectType: 'common', modifiedSince: null, pageState: null })).rejects.toMatchObject({ kind: 'configuration' });
  });
});
