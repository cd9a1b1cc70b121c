import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../providers/types';
import { connect, readAll } from './helpers/declarative-harness';
import { pageOf, startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';

// Three contacts over two parent pages; each contact has notes over child pages of 2.
const contacts = [{ id: 'c1' }, { id: 'c 2' }, { id: 'c3' }];
const notes: Record<string, { id: string; text: string; contact_id?: string }[]> = {
  c1: [
    { id: 'n1', text: 'a' },
    { id: 'n2', text: 'b' },
    { id: 'n3', text: 'c' },
  ],
  'c 2': [],
  c3: [{ id: 'n4', text: 'd', contact_id: 'kept' }],
};

let sim: ApiSimulator;
beforeEach(async () => {
  sim = await startApiSimulator((q) => {
    if (q.path === '/api/contacts') return { json: { data: pageOf(contacts, Number(q.query.page), 2) } };
    const m = /^\/api\/contacts\/([^/]+)\/notes$/.exec(q.path);
    if (m) return { json: { items: pageOf(notes[decodeURIComponent(m[1]!)] ?? [], Number(q.query.p), 2), owner: q.headers['x-contact'] } };
    return { status: 404, json: { error: 'no route' } };
  });
});
afterEach(() => sim.close());

function definition() {
  return {
    id: 'acme-crm',
    name: 'Acme CRM',
    base_url: `${sim.url}/api`,
    streams: [
      {
        id: 'contacts',
        path: '/contacts',
        primary_key: 'id',
        records_selector: '$.data',
        pagination: { type: 'page_increment', param: 'page', page_size: 2 },
        child_context: { contact_id: '{record.id}' },
      },
      {
        id: 'notes',
        parent_stream: 'contacts',
        path: '/contacts/{parent.contact_id}/notes',
        headers: { 'x-contact': 'contact={parent.contact_id}' },
        primary_key: 'id',
        records_selector: '$.items',
        pagination: { type: 'page_increment', param: 'p', page_size: 2 },
      },
    ],
  };
}

const expectedNotes = [
  { id: 'n1', text: 'a', contact_id: 'c1' },
  { id: 'n2', text: 'b', contact_id: 'c1' },
  { id: 'n3', text: 'c', contact_id: 'c1' },
  { id: 'n4', text: 'd', contact_id: 'kept' },
];

describe('parent-child streams', () => {
  it('fetches children per parent record, adding the context to child records', async () => {
    // One request in flight: the order of today's single chain.
    const def = { ...definition(), rate_limit: { concurrency: 1 } };
    const { records, states } = await readAll(connect(def, {}), 'notes');
    expect(records.map((r) => r.raw)).toEqual(expectedNotes);
    expect(sim.requests.map((q) => `${q.path}?${new URLSearchParams(q.query)}`)).toEqual([
      '/api/contacts?page=1',
      '/api/contacts/c1/notes?p=1',
      '/api/contacts/c1/notes?p=2',
      '/api/contacts/c%202/notes?p=1',
      '/api/contacts?page=2',
      '/api/contacts/c3/notes?p=1',
    ]);
    expect(sim.requests[1]!.headers['x-contact']).toBe('contact=c1');
    // State holds the parent position, the contexts not started yet, and each open partition's context and page.
    expect(states[0]).toMatchObject({
      partitioned: 'children',
      next: 0,
      open: [],
      parent: { next: { page: 2 }, done: false, queue: [{ contact_id: 'c1' }, { contact_id: 'c 2' }] },
    });
    expect(states[1]).toMatchObject({ next: 1, open: [{ i: 0, at: { page: 2 }, ctx: { contact_id: 'c1' } }], parent: { queue: [{ contact_id: 'c 2' }] } });
    expect(states.at(-1)).toBeNull();
  });

  it('reads the children of several parents at once, up to the connection’s concurrency', async () => {
    await sim.close();
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}` }));
    sim = await startApiSimulator((q) => {
      if (q.path === '/api/contacts') return { json: { data: pageOf(many, Number(q.query.page), 5) } };
      const contact = decodeURIComponent(/^\/api\/contacts\/([^/]+)\/notes$/.exec(q.path)![1]!);
      const items = [1, 2, 3].map((n) => ({ id: `${contact}-n${n}`, text: 'x' }));
      return { json: { items: pageOf(items, Number(q.query.p), 2) }, delayMs: 20 };
    });
    const def = { ...definition(), base_url: `${sim.url}/api`, rate_limit: { concurrency: 3 } };
    def.streams[0]!.pagination = { type: 'page_increment', param: 'page', page_size: 5 };
    const { records } = await readAll(connect(def, {}), 'notes');
    expect(records.map((r) => r.id).sort()).toEqual(many.flatMap((c) => [1, 2, 3].map((n) => `${c.id}-n${n}`)).sort());
    expect(sim.maxInFlight).toBe(3);
    // Every page once: 3 parent pages, 2 child pages per parent.
    expect(sim.requests).toHaveLength(3 + 12 * 2);
  });

  it('resumes mid-child after a crash without re-reading finished pages', async () => {
    const conn = connect({ ...definition(), rate_limit: { concurrency: 1 } }, {});
    // The worker dies: what it had in flight ends with it.
    const worker = new AbortController();
    const req = { object: 'notes', objectType: 'standard' as const, modifiedSince: null, signal: worker.signal };
    const parents = await conn.readPage({ ...req, pageState: null });
    const first = await conn.readPage({ ...req, pageState: parents.nextPageState });
    expect(first.records.map((r) => r.id)).toEqual(['n1', 'n2']);
    worker.abort();
    await new Promise((r) => setTimeout(r, 20));
    // A new connection (new worker) continues from the persisted state.
    sim.requests.length = 0;
    const rest = await readAll(connect(definition(), {}), 'notes', { pageState: JSON.parse(JSON.stringify(first.nextPageState)) as JsonValue });
    expect(rest.records.map((r) => r.id).sort()).toEqual(['n3', 'n4']);
    expect(sim.requests.map((q) => `${q.path}?${new URLSearchParams(q.query)}`).sort()).toEqual([
      '/api/contacts/c%202/notes?p=1',
      '/api/contacts/c1/notes?p=2',
      '/api/contacts/c3/notes?p=1',
      '/api/contacts?page=2',
    ]);
  });

  it('resumes a child stream’s page state from before partitions', async () => {
    const state = { parentNext: { page: 2 }, parentDone: false, contexts: [{ contact_id: 'c1' }, { contact_id: 'c 2' }], index: 0, page: { page: 2 } };
    const rest = await readAll(connect(definition(), {}), 'notes', { pageState: state });
    expect(rest.records.map((r) => r.id).sort()).toEqual(['n3', 'n4']);
    expect(sim.requests.map((q) => `${q.path}?${new URLSearchParams(q.query)}`).sort()).toEqual([
      '/api/contacts/c%202/notes?p=1',
      '/api/contacts/c1/notes?p=2',
      '/api/contacts/c3/notes?p=1',
      '/api/contacts?page=2',
    ]);
  });

  it('resumes between parent pages', async () => {
    const state = { parentNext: { page: 2 }, parentDone: false, contexts: [{ contact_id: 'c1' }, { contact_id: 'c 2' }], index: 2, page: null };
    const rest = await readAll(connect(definition(), {}), 'notes', { pageState: state });
    expect(rest.records.map((r) => r.id)).toEqual(['n4']);
    expect(sim.requests.map((q) => q.path)).toEqual(['/api/contacts', '/api/contacts/c3/notes']);
  });

  it('reads the parent in full even on incremental child reads', async () => {
    const def = definition();
    Object.assign(def.streams[0]!, { incremental: { replication_key: 'updated_at', param: 'since' } });
    Object.assign(def.streams[1]!, { incremental: { replication_key: 'updated_at', param: 'notes_since', format: 'iso8601' } });
    await readAll(connect(def, {}), 'notes', { modifiedSince: new Date('2024-01-01T00:00:00Z') });
    expect(sim.requests.filter((q) => q.path === '/api/contacts').every((q) => q.query.since === undefined)).toBe(true);
    expect(sim.requests.filter((q) => q.path.endsWith('/notes')).every((q) => q.query.notes_since === '2024-01-01T00:00:00.000Z')).toBe(true);
  });

  it('supports grandchildren (contacts -> notes -> note details)', async () => {
    const def = definition();
    Object.assign(def.streams[1]!, { child_context: { note_id: '{record.id}', contact: '{record.contact_id}' } });
    def.streams.push({
      id: 'note_details',
      parent_stream: 'notes',
      path: '/contacts/{parent.contact}/notes/{parent.note_id}',
      primary_key: 'id',
      records_selector: '$',
    } as (typeof def.streams)[number]);
    await sim.close();
    sim = await startApiSimulator((q) => {
      if (q.path === '/api/contacts') return { json: { data: pageOf(contacts, Number(q.query.page), 2) } };
      const detail = /^\/api\/contacts\/([^/]+)\/notes\/([^/]+)$/.exec(q.path);
      if (detail) return { json: { id: `detail-${detail[2]}` } };
      const m = /^\/api\/contacts\/([^/]+)\/notes$/.exec(q.path);
      return { json: { items: pageOf(notes[decodeURIComponent(m![1]!)] ?? [], Number(q.query.p), 2) } };
    });
    def.base_url = `${sim.url}/api`;
    const { records } = await readAll(connect(def, {}), 'note_details');
    expect(records.map((r) => [r.id, r.raw.note_id, r.raw.contact])).toEqual([
      ['detail-n1', 'n1', 'c1'],
      ['detail-n2', 'n2', 'c1'],
      ['detail-n3', 'n3', 'c1'],
      ['detail-n4', 'n4', 'kept'],
    ]);
  });

  it('rejects a page state from a different stream shape', async () => {
    await expect(readAll(connect(definition(), {}), 'notes', { pageState: { page: 3 } })).rejects.toMatchObject({ kind: 'configuration' });
  });
});
