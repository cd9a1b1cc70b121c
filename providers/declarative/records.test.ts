import { describe, expect, it } from 'vitest';
import { parseJsonPath } from './json-path';
import { createRecordMapper, PageTexts, selectRecords } from './records';

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
