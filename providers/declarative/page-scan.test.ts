import { describe, expect, it } from 'vitest';
import { getPath, parseJsonPath } from './json-path';
import { recordTexts } from './json-spans';
import { scanPage } from './page-scan';

const KEYS = ['id', 'updated_at'];

/**
 * scanPage's answer, checked against JSON.parse of the same page: when it accepts a page, the page
 * is valid JSON, each text parses to the element there, each field text to the record's field, the
 * rest to the page with the array emptied, and a text is storable exactly when recordTexts keeps it.
 */
function scanned(page: string, selector = '$.data', keys = KEYS) {
  const path = parseJsonPath(selector);
  const out = scanPage(page, path, keys);
  if (!out) return out;
  const parsed = JSON.parse(page);
  const items = getPath(parsed, path) as unknown[];
  expect(Array.isArray(items)).toBe(true);
  expect(out.texts).toHaveLength(items.length);
  out.texts.forEach((t, r) => {
    expect(JSON.parse(t)).toStrictEqual(items[r]);
    keys.forEach((key, k) => {
      const v = out.values[r * keys.length + k];
      expect(v === undefined ? undefined : JSON.parse(v)).toStrictEqual((items[r] as Record<string, unknown>)[key]);
    });
  });
  expect(out.storable).toEqual(recordTexts(page, path)!.map((t) => t !== undefined));
  const emptied = JSON.parse(page);
  if (path.length === 0) expect(out.rest).toStrictEqual([]);
  else {
    const holder = getPath(emptied, path.slice(0, -1)) as Record<string | number, unknown>;
    holder[path.at(-1)!] = [];
    expect(out.rest).toStrictEqual(emptied);
  }
  return out;
}

describe('scanPage', () => {
  it('reads compact records, their id and replication key, and the rest of the page for pagination', () => {
    const records = ['{"id":"a","updated_at":"2026-01-01T00:00:00Z","n":[1,{"x":null}]}', '{"updated_at":"2026-01-02","id":7,"t":true,"f":false}', '{}'];
    const out = scanned(` {"total": 3, "data":[${records.join(',')}],\n "next": {"cursor": "c 1"}} `)!;
    expect(out.texts).toEqual(records);
    expect(out.values).toEqual(['"a"', '"2026-01-01T00:00:00Z"', '7', '"2026-01-02"', undefined, undefined]);
    expect(out.rest).toEqual({ total: 3, data: [], next: { cursor: 'c 1' } });
    expect(scanned(`[${records.join(',')}]`, '$')!.rest).toEqual([]);
    expect(scanned(`{"a":{"b":[0,{"c":[${records[0]}]}]}}`, '$.a.b[1].c')!.texts).toEqual([records[0]]);
    expect(scanned('{"data":[]}')!.texts).toEqual([]);
    expect(scanned('{"data":[ {"id":1} ,\n {"id":2} ]}')!.texts).toEqual(['{"id":1}', '{"id":2}']);
  });

  it('takes the last of duplicate keys, in the records and on the way to them, as JSON.parse does', () => {
    expect(scanned('{"data":[{"id":1,"id":2}]}')!.values[0]).toBe('2');
    expect(scanned('{"data":[{"id":9}],"data":[{"id":3}]}')!.texts).toEqual(['{"id":3}']);
    expect(scanned('{"data":[{"id":9}],"data":5}')).toBeUndefined();
    expect(scanned('{"a":{"data":[{"id":9}]},"a":{}}', '$.a.data')).toBeUndefined();
  });

  it('reads a key written with escapes as the key it decodes to', () => {
    expect(scanned(String.raw`{"data":[{"\u0069d":"x","i\"d":"y"}]}`)!.values[0]).toBe('"x"');
    expect(scanned(String.raw`{"data":[{"id":"x","\u0069d":"z"}]}`)!.values[0]).toBe('"z"');
    expect(scanned(String.raw`{"data":[{"a\"":1}]}`, '$.data', ['a"'])!.values[0]).toBe('1');
    expect(scanned(String.raw`{"données":[{"clé":"é","x":"\u00e9"}]}`, "$['données']", ['clé'])!.values[0]).toBe('"é"');
    expect(scanned(String.raw`{"data":[{"cl\u00e9":"v","id":"😀"}]}`, '$.data', ['clé', 'id'])!.values).toEqual(['"v"', '"😀"']);
  });

  it('leaves pages it cannot prove valid to JSON.parse', () => {
    const outside = [
      '{"data":[{"id": 1}]}', // whitespace inside a record
      '{"data":[{"id":1,\n"x":2}]}',
      '{"data":[1,2]}', // not objects
      '{"data":{"id":1}}', // one object, not an array
      '{"data":null}',
      '{"other":[]}',
      '{"data":[{"s":"a\tb"}]}', // a raw control character in a string
      String.raw`{"data":[{"s":"\x"}]}`, // an invalid escape
      String.raw`{"data":[{"s":"\u12"}]}`,
      '{"data":[{"n":01}]}',
      '{"data":[{"n":-}]}',
      '{"data":[{"n":1.}]}',
      '{"data":[{"n":1e}]}',
      '{"data":[{"n":.5}]}',
      '{"data":[{"n":+1}]}',
      '{"data":[{"t":tru}]}',
      '{"data":[{"a":1,}]}',
      '{"data":[{"a":1},]}',
      '{"data":[{"a" :1}]}',
      '{"data":[{"a":1]}',
      '{"data":[[1}]}',
      '{"data":[{"a":1}]',
      '{"data":[{"a":1}]}}',
      '{"data":[{"a":1}]} x',
      '{"data":[{"a":"unterminated}]}',
      '{"x":01,"data":[{"a":1}]}', // invalid outside the records: JSON.parse of the rest rejects it
      '{"x":"a\tb","data":[]}',
      '{"data":[{"a":1}],}',
      '',
      '   ',
      '{',
    ];
    for (const page of outside) expect(scanned(page), page).toBeUndefined();
  });

  it('marks the texts a destination may not store as written, as recordTexts does', () => {
    const out = scanned(String.raw`{"data":[{"n":1.0},{"n":1e3},{"n":-0},{"n":12345678901234567890},{"s":"\u0000"},{"s":"\ud800"},{"n":1.5,"s":"\u00e9 \n \\"}]}`)!;
    expect(out.storable).toEqual([false, false, false, false, false, false, true]);
  });

  it('never accepts what JSON.parse rejects, and agrees with it on what it accepts (random pages and mutations)', () => {
    let seed = 42; // xorshift32: deterministic, so a failure replays
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const strings = ['', 'a', 'é', '"', '\\', '\n', '\u0001', '\u2028', '😀', '\ud800', '}]{[,:', 'id'];
    const value = (depth: number): unknown => {
      const kind = Math.floor(rand() * (depth > 2 ? 5 : 7));
      if (kind === 0) return pick(strings) + pick(strings);
      if (kind === 1) return pick([0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345, 2 ** 53 + 1, -12.25]);
      if (kind === 2) return pick([true, false, null]);
      if (kind === 3) return pick(strings);
      if (kind === 4) return Math.floor(rand() * 1000);
      if (kind === 5) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(['id', 'updated_at', 'a', 'é', '"q', '']), value(depth + 1)]));
    };
    const texts = [
      (v: unknown) => JSON.stringify(v),
      (v: unknown) => JSON.stringify(v, null, 1),
      // JSON.stringify writes numbers and escapes one way: write some the other ways JSON allows.
      (v: unknown) => JSON.stringify(v).replace(/"id"/g, String.raw`"\u0069d"`).replace(/é/g, String.raw`\u00E9`).replace(/\//g, '\\/'),
      (v: unknown) =>
        JSON.stringify(v)
          .replace(/\b1\.5\b/g, '15e-1')
          .replace(/:0\b/g, ':0.0'),
    ];
    const chars = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\t', '0', '-', '.', 'e', 'u', 'x', '1'];
    let accepted = 0;
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      const records = Array.from({ length: Math.floor(rand() * 4) }, () => ({ id: value(3), updated_at: value(3), ...(value(1) as object) }));
      let page = pick(texts)({ meta: value(1), data: records, next: value(2) });
      if (rand() < 0.5) {
        const at = Math.floor(rand() * page.length);
        const op = Math.floor(rand() * 3);
        page =
          op === 0 ? page.slice(0, at) + page.slice(at + 1) : op === 1 ? page.slice(0, at) + pick(chars) + page.slice(at) : page.slice(0, at) + pick(chars) + page.slice(at + 1);
      }
      let valid = true;
      try {
        JSON.parse(page);
      } catch {
        valid = false;
      }
      const out = scanned(page);
      if (!valid) expect(out, page).toBeUndefined();
      if (out) accepted++;
      checked++;
    }
    // The subset is most pages, not a corner: a scan that gave up on everything would pass the rest.
    expect(accepted).toBeGreaterThan(checked / 4);
  });
});
