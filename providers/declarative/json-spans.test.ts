import { describe, expect, it } from 'vitest';
import { parseJsonPath } from './json-path';
import { recordTexts } from './json-spans';

/** The texts recordTexts keeps, each checked to be exactly the element JSON.parse gives at that position. */
function texts(page: string, selector = '$.data'): Array<string | undefined> | undefined {
  const path = parseJsonPath(selector);
  const out = recordTexts(page, path);
  if (out) {
    let items = JSON.parse(page);
    for (const seg of path) items = items[seg];
    expect(out).toHaveLength(items.length);
    out.forEach((t, i) => {
      if (t !== undefined) expect(JSON.parse(t)).toStrictEqual(items[i]);
    });
  }
  return out;
}

const kept = (record: string) => texts(`{"data":[${record}]}`)![0];

describe('recordTexts', () => {
  it('hands out each record of the array at the selector, byte for byte', () => {
    const records = ['{"id":1,"name":"a"}', '{"id":2,"tags":["x",{"y":[1,[2,[3]]]}],"o":{"p":{"q":null}}}', '{}', '{"t":true,"f":false,"n":null}'];
    expect(texts(`{"total":4,"data":[${records.join(',')}],"next":"abc"}`)).toEqual(records);
    expect(texts(`[${records.join(',')}]`, '$')).toEqual(records);
    expect(texts(`{"a":{"b":[0,{"c":[${records[0]}]}]}}`, '$.a.b[1].c')).toEqual([records[0]]);
    expect(texts(`{"odd-key":[${records[0]}]}`, "$['odd-key']")).toEqual([records[0]]);
  });

  it('hands out compact records only: whitespace around them is fine, inside them it is not', () => {
    const page = ' {\n\t"data" : [\r\n  { "id" : 1 ,\n "v" : [ 1 , 2 ] } ,\n  {"id":2,"s":"spaces inside strings: \\n \\t"}\n ]\n} ';
    expect(texts(page)).toEqual([undefined, '{"id":2,"s":"spaces inside strings: \\n \\t"}']);
    for (const ws of [' ', '\t', '\n', '\r']) expect(kept(`{"a":[1,${ws}2]}`)).toBeUndefined();
  });

  it('reads strings with escaped quotes, backslashes and brackets as strings', () => {
    const records = [
      String.raw`{"s":"a \"quoted\" } ] { [ word"}`,
      String.raw`{"s":"ends in a backslash \\"}`,
      String.raw`{"s":"\\\"","t":"\\\\"}`,
      String.raw`{"s":"\/\b\f\n\r\t"}`,
      String.raw`{"k\"ey":"v","{":"}"}`,
    ];
    expect(texts(`{"data":[${records.join(',')}]}`)).toEqual(records);
  });

  it('keeps unicode, written or escaped, except the escapes jsonb rejects', () => {
    expect(kept('{"s":"héllo wörld 日本 😀"}')).toBe('{"s":"héllo wörld 日本 😀"}');
    // A byte order mark inside a value is a character like any other (fetch drops one before the page).
    expect(kept('{"s":"\ufeffx"}')).toBe('{"s":"\ufeffx"}');
    expect(kept(String.raw`{"s":"\u00e9\u65e5"}`)).toBe(String.raw`{"s":"\u00e9\u65e5"}`);
    expect(kept(String.raw`{"s":"a\u0000b"}`)).toBeUndefined();
    expect(kept(String.raw`{"a\u0000":1}`)).toBeUndefined();
    expect(kept(String.raw`{"s":"\ud800"}`)).toBeUndefined();
    expect(kept(String.raw`{"s":"\uDC00x"}`)).toBeUndefined();
    // A valid pair stores fine, but is rare enough to take the safe path too.
    expect(kept(String.raw`{"s":"\ud83d\ude00"}`)).toBeUndefined();
  });

  it('keeps only numbers JS writes back the same way', () => {
    for (const n of ['0', '-1', '42', '123456789012345', '-123456789012345', '1.5', '-0.25', '1e+21', '1.7976931348623157e+308', '5e-324']) {
      expect(kept(`{"n":${n}}`), n).toBe(`{"n":${n}}`);
    }
    for (const n of ['-0', '1.0', '1.50', '1e3', '1E3', '1e+3', '2.5e-3', '1234567890123456789', '9007199254740993', '1e400', '0.1000000000000000055511151231257827']) {
      expect(kept(`{"n":${n}}`), n).toBeUndefined();
    }
    expect(kept('{"a":[1,[2,{"b":1.0}]]}')).toBeUndefined();
  });

  it('follows JSON.parse on duplicate keys: the last one wins, in the page and inside a record', () => {
    expect(texts('{"data":[{"id":1}],"data":[{"id":2},{"id":3}]}')).toEqual(['{"id":2}', '{"id":3}']);
    expect(texts(String.raw`{"data":[{"id":1}],"d\u0061ta":[{"id":2}]}`)).toEqual(['{"id":2}']);
    // Inside a record jsonb keeps the last duplicate too, so the text stores as the parsed record does.
    expect(kept('{"id":1,"id":2}')).toBe('{"id":1,"id":2}');
  });

  it('hands out nothing for an element that is not an object, and nothing without an array at the selector', () => {
    expect(texts('{"data":[1,"s",null,[{"id":1}],{"id":2}]}')).toEqual([undefined, undefined, undefined, undefined, '{"id":2}']);
    expect(texts('{"data":{"id":1}}')).toBeUndefined();
    expect(texts('{"other":[{"id":1}]}')).toBeUndefined();
    expect(texts('[{"id":1}]')).toBeUndefined();
    expect(texts('{"a":[{"id":1}]}', '$.a[3]')).toBeUndefined();
    expect(texts('{"data":[]}')).toEqual([]);
    expect(recordTexts('"data"', parseJsonPath('$.data'))).toBeUndefined();
  });

  it('agrees with JSON.parse on a large generated page', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      id: `r${i}`,
      n: i * 37,
      x: i / 7,
      s: `line ${i}\n"quoted" \\ back ${'é'.repeat(i % 5)}`,
      nested: { a: [i, { b: [null, true, false] }], e: {} },
    }));
    const page = JSON.stringify({ meta: { cursor: 'c"]}' }, data: records });
    const out = texts(page)!;
    expect(out.map((t) => JSON.parse(t!))).toStrictEqual(records);
  });
});
