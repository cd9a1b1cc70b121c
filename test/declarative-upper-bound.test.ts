/**
 * ReadPageRequest.modifiedBefore in declarative connectors, against a real HTTP simulator: a child
 * stream with `end_param` sends it rounded up to its format while its parent is read in full, and
 * a windowed stream's range ends at the earlier of it and the run's start.
 */
import { afterEach, expect, it } from 'vitest';
import type { JsonValue, ProviderConnection, ReadPageRequest, SourceRecord } from '../providers/types';
import { connect } from './helpers/declarative-harness';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';

let sim: ApiSimulator | undefined;
afterEach(() => sim?.close());

const PARENTS = [{ id: 'p1' }, { id: 'p2' }];

function definition(url: string) {
  return {
    id: 'bounded',
    name: 'Bounded',
    base_url: url,
    rate_limit: { concurrency: 2 },
    streams: [
      { id: 'contacts', path: '/contacts', primary_key: 'id', records_selector: '$.data', child_context: { contact_id: '{record.id}' } },
      {
        id: 'notes',
        parent_stream: 'contacts',
        path: '/contacts/{parent.contact_id}/notes',
        primary_key: 'id',
        records_selector: '$.data',
        incremental: { replication_key: 'updated_at', param: 'since', end_param: 'until', format: '%Y-%m-%d' },
      },
      {
        id: 'events',
        path: '/events',
        primary_key: 'id',
        records_selector: '$.data',
        incremental: { replication_key: 'updated_at', param: 'since', end_param: 'until', format: 'iso8601', step: 'P1D', start_datetime: '2024-04-01T00:00:00Z' },
      },
    ],
  };
}

async function readAll(conn: ProviderConnection, req: Omit<ReadPageRequest, 'objectType' | 'pageState'>) {
  const records: SourceRecord[] = [];
  let pageState: JsonValue | null = null;
  do {
    const page = await conn.readPage({ ...req, objectType: 'standard', pageState });
    records.push(...page.records);
    pageState = page.nextPageState;
  } while (pageState !== null);
  return records;
}

it('a child stream sends modifiedBefore as end_param, rounded up to its format; its parent is read without bounds', async () => {
  sim = await startApiSimulator((q) => {
    if (q.path === '/contacts') return { json: { data: PARENTS } };
    return { json: { data: [{ id: `${q.path.split('/')[2]}-n`, updated_at: '2024-04-05T00:00:00Z' }] } };
  });
  const records = await readAll(connect(definition(sim.url), {}), {
    object: 'notes',
    modifiedSince: new Date('2024-04-01T00:00:00Z'),
    modifiedBefore: new Date('2024-04-10T06:00:00Z'),
  });
  expect(records.map((r) => r.id).sort()).toEqual(['p1-n', 'p2-n']);
  expect(sim.requests.map((r) => [r.path, r.query.since ?? null, r.query.until ?? null]).sort()).toEqual([
    ['/contacts', null, null],
    ['/contacts/p1/notes', '2024-04-01', '2024-04-11'],
    ['/contacts/p2/notes', '2024-04-01', '2024-04-11'],
  ]);
});

it('a windowed stream ends its range at modifiedBefore when it comes before the run’s start, else at the start', async () => {
  sim = await startApiSimulator(() => ({ json: { data: [] } }));
  // The harness's clock (the run's start) is 2024-05-01T00:00:00Z.
  const windows = async (modifiedBefore: Date) => {
    const from = sim!.requests.length;
    await readAll(connect(definition(sim!.url), {}), { object: 'events', modifiedSince: new Date('2024-04-28T00:00:00Z'), modifiedBefore });
    return sim!.requests
      .slice(from)
      .map((r) => `${r.query.since}..${r.query.until}`)
      .sort();
  };
  expect(await windows(new Date('2024-04-29T12:00:00.001Z'))).toEqual(['2024-04-28T00:00:00.000Z..2024-04-29T00:00:00.000Z', '2024-04-29T00:00:00.000Z..2024-04-29T12:00:00.001Z']);
  expect(await windows(new Date('2024-06-01T00:00:00Z'))).toEqual([
    '2024-04-28T00:00:00.000Z..2024-04-29T00:00:00.000Z',
    '2024-04-29T00:00:00.000Z..2024-04-30T00:00:00.000Z',
    '2024-04-30T00:00:00.000Z..2024-05-01T00:00:00.000Z',
  ]);
});
