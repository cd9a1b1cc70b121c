import { afterEach, describe, expect, it } from 'vitest';
import { connect, readAll } from './helpers/declarative-harness';
import { pageOf, startApiSimulator, type ApiSimulator, type SimHandler } from './helpers/http-api-simulator';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i + 1}`, n: i + 1 }));

let sim: ApiSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function run(pagination: unknown, handler: SimHandler, stream: Record<string, unknown> = {}) {
  sim = await startApiSimulator(handler);
  const conn = connect(
    {
      id: 'paged',
      name: 'Paged',
      base_url: `${sim.url}/v1`,
      streams: [{ id: 'things', path: '/things', primary_key: 'id', records_selector: '$.data', pagination, ...stream }],
    },
    {},
  );
  const result = await readAll(conn, 'things');
  return { ...result, ids: result.records.map((r) => r.id), requests: sim.requests };
}

describe('declarative pagination', () => {
  it('none: a single request', async () => {
    const r = await run({ type: 'none' }, () => ({ json: { data: items(3) } }));
    expect(r.ids).toEqual(['r1', 'r2', 'r3']);
    expect(r.requests.map((q) => [q.path, q.query])).toEqual([['/v1/things', {}]]);
    expect(r.states).toEqual([null]);
  });

  it('page_increment: counts from start_from and stops at the first empty page', async () => {
    const all = items(5);
    const r = await run({ type: 'page_increment', param: 'page', start_from: 0 }, (q) => ({ json: { data: pageOf(all, Number(q.query.page), 2, 0) } }));
    expect(r.ids).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(r.requests.map((q) => q.query)).toEqual([{ page: '0' }, { page: '1' }, { page: '2' }, { page: '3' }]);
    expect(r.states).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }, null]);
  });

  it('page_increment: sends page_size and stops on a short page; header location', async () => {
    const all = items(5);
    const r = await run({ type: 'page_increment', location: 'header', param: 'x-page', page_size_param: 'x-per-page', page_size: 2 }, (q) => ({
      json: { data: pageOf(all, Number(q.headers['x-page']), Number(q.headers['x-per-page'])) },
    }));
    expect(r.ids).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(r.requests.map((q) => [q.headers['x-page'], q.headers['x-per-page'], q.query])).toEqual([
      ['1', '2', {}],
      ['2', '2', {}],
      ['3', '2', {}],
    ]);
  });

  it('offset with next_offset_selector: follows opaque offsets until missing', async () => {
    // Chargebee-style: next_offset is an opaque JSON-encoded string.
    const pages: Record<string, { data: unknown[]; next_offset?: string | null }> = {
      '0': { data: items(2), next_offset: '["a",1]' },
      '["a",1]': { data: items(4).slice(2), next_offset: '["b",2]' },
      '["b",2]': { data: [{ id: 'r5' }], next_offset: null },
    };
    const r = await run({ type: 'offset', offset_param: 'offset', next_offset_selector: '$.next_offset', limit_param: 'limit', limit: 2 }, (q) => ({
      json: pages[q.query.offset!],
    }));
    expect(r.ids).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(r.requests.map((q) => q.query)).toEqual([
      { offset: '0', limit: '2' },
      { offset: '["a",1]', limit: '2' },
      { offset: '["b",2]', limit: '2' },
    ]);
  });

  it('offset without selector: offset += records received, stops on a short page', async () => {
    const all = items(7);
    const r = await run({ type: 'offset', offset_param: 'skip', limit_param: 'take', limit: 3 }, (q) => ({
      json: { data: all.slice(Number(q.query.skip), Number(q.query.skip) + Number(q.query.take)) },
    }));
    expect(r.ids).toEqual(all.map((x) => x.id));
    expect(r.requests.map((q) => q.query)).toEqual([
      { skip: '0', take: '3' },
      { skip: '3', take: '3' },
      { skip: '6', take: '3' },
    ]);
  });

  it('cursor: sends the cursor from the previous page, stops on an empty cursor', async () => {
    const r = await run({ type: 'cursor', param: 'starting_after', next_cursor_selector: '$.meta.next', page_size_param: 'limit', page_size: 2 }, (q) => {
      const after = q.query.starting_after;
      if (!after) return { json: { data: items(2), meta: { next: 'c1' } } };
      if (after === 'c1') return { json: { data: [{ id: 'r3' }], meta: { next: '' } } };
      return { status: 400, json: { error: 'bad cursor' } };
    });
    expect(r.ids).toEqual(['r1', 'r2', 'r3']);
    expect(r.requests.map((q) => q.query)).toEqual([{ limit: '2' }, { starting_after: 'c1', limit: '2' }]);
  });

  it('cursor: a cursor that repeats is an error instead of an endless loop', async () => {
    await expect(run({ type: 'cursor', param: 'c', next_cursor_selector: '$.next' }, () => ({ json: { data: items(1), next: 'same' } }))).rejects.toThrow(/did not advance/);
  });

  it('next_url from the body: relative and absolute URLs, query params kept from the URL', async () => {
    let base = '';
    const r = await run(
      { type: 'next_url', next_url_selector: '$.links.next' },
      (q) => {
        if (q.path === '/v1/things') return { json: { data: items(2), links: { next: '/v1/things-page2?token=abc' } } };
        if (q.path === '/v1/things-page2') return { json: { data: [{ id: 'r3' }], links: { next: `${base}/v1/things-page3?token=def` } } };
        return { json: { data: [{ id: 'r4' }], links: { next: null } } };
      },
      { query: { status: 'open' } },
    );
    base = sim!.url;
    expect(r.ids).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(r.requests.map((q) => [q.path, q.query])).toEqual([
      ['/v1/things', { status: 'open' }],
      ['/v1/things-page2', { token: 'abc', status: 'open' }],
      ['/v1/things-page3', { token: 'def', status: 'open' }],
    ]);
  });

  it('next_url from the Link header', async () => {
    const r = await run({ type: 'next_url', next_url_selector: 'link_header' }, (q) => {
      const page = Number(q.query.page ?? '1');
      const headers: Record<string, string> = page < 3 ? { link: `<${sim!.url}/v1/things?page=${page + 1}>; rel="next", <${sim!.url}/v1/things?page=3>; rel="last"` } : {};
      return { headers, json: { data: [{ id: `p${page}` }] } };
    });
    expect(r.ids).toEqual(['p1', 'p2', 'p3']);
    expect(r.requests.map((q) => q.query)).toEqual([{}, { page: '2' }, { page: '3' }]);
  });

  it('next_url refuses to send credentials to another host', async () => {
    await expect(run({ type: 'next_url', next_url_selector: '$.next' }, () => ({ json: { data: items(1), next: 'http://evil.example/steal' } }))).rejects.toThrow(
      /refusing to send credentials/,
    );
  });

  it('body location for POST streams', async () => {
    const r = await run(
      { type: 'page_increment', location: 'body', param: 'page', page_size_param: 'size', page_size: 2 },
      (q) => ({
        json: { data: pageOf(items(3), (q.json as { page: number }).page, 2) },
      }),
      { method: 'POST', body: { filter: 'all' } },
    );
    expect(r.ids).toEqual(['r1', 'r2', 'r3']);
    expect(r.requests.map((q) => [q.method, q.json])).toEqual([
      ['POST', { filter: 'all', page: 1, size: 2 }],
      ['POST', { filter: 'all', page: 2, size: 2 }],
    ]);
  });
});
