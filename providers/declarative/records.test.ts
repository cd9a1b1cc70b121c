import { describe, expect, it } from 'vitest';
import { parseJsonPath } from './json-path';
import { createRecordMapper, PageTexts, readRecords, selectRecords } from './records';

const read = (page: string, selector = '$.data', context?: Record<string, unknown>) => {
  const path = parseJsonPath(selector);
  const items = selectRecords(JSON.parse(page), path, 'GET x');
  const texts = new PageTexts(page, path, items.length);
  const map = createRecordMapper({ primaryKey: 'id' });
  return items.map((item, i) => map(item, context, texts, i));
};

describe('record texts from the page', () => {
  it("hands each record its own text from the page, and the record's fields as parsed", () => {
    const records = read('{"data":[{"id":"a","n":1},{"id":"b","n":1.0}],"next":null}');
    expect(records.map((r) => [r.id, r.rawJson])).toEqual([
      ['a', '{"id":"a","n":1}'],
      ['b', undefined], // 1.0 stores as 1 once parsed: no text
    ]);
    const { rawJson: _, ...fields } = records[0]!;
    expect(fields).toEqual({ id: 'a', lastModifiedAt: null, isDeleted: false, raw: { id: 'a', n: 1 } });
  });

  it('hands out no text for a record a parent context added fields to, nor for a lone object at the selector', () => {
    expect(read('{"data":[{"id":"a"}]}', '$.data', { parent_id: 'p' })[0]!.rawJson).toBeUndefined();
    expect(read('{"data":[{"id":"a","parent_id":"q"}]}', '$.data', { parent_id: 'p' })[0]!.rawJson).toBe('{"id":"a","parent_id":"q"}');
    expect(read('{"data":{"id":"a"}}')[0]!.rawJson).toBeUndefined();
  });
});

describe('readRecords', () => {
  const res = (body: string, contentType = 'application/json') => ({ status: 200, headers: new Headers({ 'content-type': contentType }), url: 'http://x/', body });
  const stream = (opts: Parameters<typeof createRecordMapper>[0] = {}) => ({
    selector: parseJsonPath('$.data'),
    mapRecord: createRecordMapper({ primaryKey: 'id', replicationKey: 'updated_at', scan: true, ...opts }),
  });
  const page = '{"data":[{"id":"a","updated_at":"2026-01-01T00:00:00Z","n":1.5},{"id":7,"updated_at":"2026-01-02T00:00:00Z","n":1.0,"o":{"id":"inner"}}],"next":"c2"}';

  it('builds the same records from a scan as from the parsed page, with their own texts and the rest of the page', () => {
    const scanned = readRecords(res(page), 'GET x', stream());
    const parsed = readRecords(res(page), 'GET x', stream({ scan: false }));
    expect(scanned.body).toEqual({ data: [], next: 'c2' });
    expect(parsed.body).toEqual(JSON.parse(page));
    // A scanned record's object is parsed when read; a spread or a comparison holds it.
    expect(Object.getOwnPropertyDescriptor(scanned.records[0], 'raw')?.get).toBeTypeOf('function');
    expect(scanned.records).toEqual(parsed.records);
    expect(scanned.records.map((r) => [r.id, r.lastModifiedAt?.toISOString(), r.rawJson])).toEqual([
      ['a', '2026-01-01T00:00:00.000Z', '{"id":"a","updated_at":"2026-01-01T00:00:00Z","n":1.5}'],
      ['7', '2026-01-02T00:00:00.000Z', undefined], // 1.0 stores as 1: no text, as on the parsed path
    ]);
    expect(parsed.records.map((r) => r.rawJson)).toEqual(scanned.records.map((r) => r.rawJson));
    expect({ ...scanned.records[1] }.raw).toEqual({ id: 7, updated_at: '2026-01-02T00:00:00Z', n: 1, o: { id: 'inner' } });
  });

  it('gives a replaced object no text: it is no longer what the provider sent', () => {
    const [r] = readRecords(res('{"data":[{"id":"a"}]}'), 'GET x', stream()).records;
    expect(r!.rawJson).toBe('{"id":"a"}');
    r!.raw = { id: 'a', extra: true };
    expect([r!.raw, r!.rawJson]).toEqual([{ id: 'a', extra: true }, undefined]);
  });

  it('parses the page in full when the scan leaves it, under a parent context, and when pagination reads the records', () => {
    const pretty = JSON.stringify(JSON.parse(page), null, 2);
    const fromPretty = readRecords(res(pretty), 'GET x', stream());
    expect(fromPretty.body).toEqual(JSON.parse(page));
    expect(fromPretty.records.map((r) => r.id)).toEqual(['a', '7']);
    const child = readRecords(res(page), 'GET x', stream(), { parent_id: 'p' });
    expect(child.records[0]!.raw).toEqual({ id: 'a', updated_at: '2026-01-01T00:00:00Z', n: 1.5, parent_id: 'p' });
    expect(child.records[0]!.rawJson).toBeUndefined();
    expect(createRecordMapper({ primaryKey: 'id', scan: false }).scan).toBeUndefined();
    expect(createRecordMapper({ primaryKey: 'a.id', scan: true }).scan).toBeUndefined();
    expect(createRecordMapper({ scan: true }).scan).toBeUndefined(); // no primary key: the whole record is hashed
  });

  it('reports invalid JSON, a wrong content type and a missing primary key as before', () => {
    expect(() => readRecords(res('{"data":[{"id":"a"},]}'), 'GET x', stream())).toThrow(/GET x returned invalid JSON/);
    expect(() => readRecords(res('<html>', 'text/html'), 'GET x', stream())).toThrow(/content type "text\/html"/);
    expect(() => readRecords(res('{"data":[{"name":"no id","n":2}]}'), 'GET x', stream())).toThrow('a record has no value at primary_key "id" (fields: name, n)');
    expect(readRecords({ status: 204, headers: new Headers(), url: 'http://x/', body: '' }, 'GET x', stream()).records).toEqual([]);
  });
});

describe('readRecords with one field as both keys', () => {
  it('reads the id and the replication key from the same field', () => {
    const mapRecord = createRecordMapper({ primaryKey: 'ts', replicationKey: 'ts', scan: true });
    const res = { status: 200, headers: new Headers({ 'content-type': 'application/json' }), url: 'http://x/', body: '{"data":[{"ts":"2026-01-01T00:00:00Z"}]}' };
    const [r] = readRecords(res, 'GET x', { selector: parseJsonPath('$.data'), mapRecord }).records;
    expect([r!.id, r!.lastModifiedAt?.toISOString()]).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z']);
  });
});
