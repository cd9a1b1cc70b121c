/**
 * A page read without parsing its records: one validating pass finds the records array, each
 * record's text, and the text of the few top-level fields the engine needs of every record (its
 * primary key and replication key). The rest of the page (the records array emptied) is parsed as
 * usual, for pagination. A record's object is parsed only if something asks for it; a Postgres
 * destination stores the record's text and never does, so a page then costs no object per field.
 *
 * The scan accepts a subset of JSON: an array of compact objects (no whitespace between their
 * tokens, as most APIs and JSON.stringify write them) with no control character in their text and
 * only valid escapes. For anything else it returns undefined and the caller parses the page in
 * full. So it never accepts a page JSON.parse rejects: the records are checked here, the rest by
 * JSON.parse, and the page is valid exactly when both are (the records array's brackets are where
 * JSON.parse of the rest finds them, since both read the same text before them). Each record's text
 * parses to the value JSON.parse(page) holds there.
 */
import type { PathSegment } from './json-path';
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  MINUS,
  NINE,
  OPEN_ARRAY,
  OPEN_OBJECT,
  printsBack,
  QUOTE,
  skipSpace,
  stringEnd,
  UNSTORABLE_ESCAPE,
  ZERO,
} from './json-spans';

const PLUS = 43;
const DOT = 46;

/** Raw control characters: JSON allows them only as whitespace between tokens, and compact records have none. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f]/;
const VALID_ESCAPES = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/g;

/** Thrown when the page leaves the subset. */
const LEAVE = Symbol('outside the scanned subset');

export interface ScannedPage {
  /** JSON.parse of the page with the records array emptied. */
  rest: unknown;
  /** Each record's text. */
  texts: string[];
  /** Whether a record's text stores as the same jsonb as JSON.stringify of its value (the rules of json-spans.ts). */
  storable: boolean[];
  /** The text of field keys[k] of record r at values[r * keys.length + k]; undefined when the record has none. */
  values: Array<string | undefined>;
}

class Scan {
  /** Whether every number since the last reset is written as JS writes it. */
  exact = true;
  constructor(readonly text: string) {}

  skipSpace(i: number): number {
    return skipSpace(this.text, i);
  }

  /** Just past the string opening at i. Its content is checked per record (or by JSON.parse of the rest). */
  string(i: number): number {
    const end = stringEnd(this.text, i);
    if (end < 0) throw LEAVE;
    return end;
  }

  /** The name of the key whose string runs [i, end). */
  name(i: number, end: number): string {
    const text = this.text;
    for (let p = i + 1; p < end - 1; p++) if (text.charCodeAt(p) === BACKSLASH) return decode(text.slice(i, end));
    return text.slice(i + 1, end - 1);
  }

  digits(i: number): number {
    const text = this.text;
    const start = i;
    let c = text.charCodeAt(i);
    while (c >= ZERO && c <= NINE) c = text.charCodeAt(++i);
    if (i === start) throw LEAVE;
    return i;
  }

  /** A number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  number(i: number): number {
    const text = this.text;
    const negative = text.charCodeAt(i) === MINUS;
    let j = negative ? i + 1 : i;
    const first = text.charCodeAt(j);
    if (first === ZERO) j++;
    else if (first > ZERO && first <= NINE) j = this.digits(j);
    else throw LEAVE;
    const integerEnd = j;
    let c = text.charCodeAt(j);
    if (c === DOT) {
      j = this.digits(j + 1);
      c = text.charCodeAt(j);
    }
    if (c === 101 || c === 69) {
      j++;
      c = text.charCodeAt(j);
      if (c === PLUS || c === MINUS) j++;
      j = this.digits(j);
    }
    // Up to 15 digits an integer is exact in a double and printed back the same; only -0 is not.
    const digits = integerEnd - i - (negative ? 1 : 0);
    const plain = j === integerEnd && digits <= 15 && !(negative && first === ZERO);
    if (!plain && this.exact && !printsBack(text.slice(i, j))) this.exact = false;
    return j;
  }

  /** Just past the compact value at i. */
  value(i: number): number {
    const text = this.text;
    const c = text.charCodeAt(i);
    if (c === QUOTE) return this.string(i);
    if (c === OPEN_OBJECT) return this.object(i);
    if (c === OPEN_ARRAY) {
      i++;
      if (text.charCodeAt(i) === CLOSE_ARRAY) return i + 1;
      for (;;) {
        i = this.value(i);
        const d = text.charCodeAt(i++);
        if (d === CLOSE_ARRAY) return i;
        if (d !== COMMA) throw LEAVE;
      }
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.number(i);
    if (c === 116 && text.startsWith('true', i)) return i + 4;
    if (c === 102 && text.startsWith('false', i)) return i + 5;
    if (c === 110 && text.startsWith('null', i)) return i + 4;
    throw LEAVE;
  }

  /**
   * Just past the compact object at i. With `keys`, the text of its member named keys[k] goes to
   * values[base + k] (the last such member: JSON.parse keeps the last of duplicate keys); member
   * names are compared as written unless `decodeKeys`.
   */
  object(i: number, keys?: readonly string[], values?: Array<string | undefined>, base = 0, decodeKeys = false): number {
    const text = this.text;
    i++;
    if (text.charCodeAt(i) === CLOSE_OBJECT) return i + 1;
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) throw LEAVE;
      const keyEnd = this.string(i);
      if (text.charCodeAt(keyEnd) !== COLON) throw LEAVE;
      const end = this.value(keyEnd + 1);
      if (keys) {
        const k = decodeKeys ? keys.indexOf(this.name(i, keyEnd)) : literalKey(text, i, keyEnd, keys);
        if (k >= 0) values![base + k] = text.slice(keyEnd + 1, end);
      }
      const d = text.charCodeAt(end);
      i = end + 1;
      if (d === CLOSE_OBJECT) return i;
      if (d !== COMMA) throw LEAVE;
    }
  }

  /**
   * Just past the value at i outside the records, whitespace allowed. Only its extent matters:
   * JSON.parse of the rest checks it.
   */
  skip(i: number): number {
    const text = this.text;
    let depth = 0;
    for (;;) {
      if (i >= text.length) throw LEAVE;
      const c = text.charCodeAt(i);
      if (c === QUOTE) i = this.string(i);
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        i++;
        continue;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        i++;
      } else if (c === COMMA || c === COLON || c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      } else {
        // A number or a literal: up to the next delimiter.
        while (i < text.length && !DELIMITERS.has(text.charCodeAt(i))) i++;
      }
      if (depth <= 0) return i;
    }
  }
}

const DELIMITERS = new Set([COMMA, COLON, CLOSE_OBJECT, CLOSE_ARRAY, OPEN_OBJECT, OPEN_ARRAY, QUOTE, 32, 10, 13, 9]);

/** Which of `keys` the key string [i, end) is, written without escapes, or -1. */
function literalKey(text: string, i: number, end: number, keys: readonly string[]): number {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    if (end - i - 2 === key.length && text.startsWith(key, i + 1)) return k;
  }
  return -1;
}

function decode(key: string): string {
  try {
    return JSON.parse(key) as string;
  } catch {
    throw LEAVE;
  }
}

/** A record's text holds only what JSON allows in a compact value: no raw control character, no invalid escape. */
function clean(record: string): boolean {
  if (CONTROL.test(record)) return false;
  return !record.includes('\\') || !record.replace(VALID_ESCAPES, '').includes('\\');
}

/**
 * Scans `text` for the array at `path`, as selectRecords would find it in JSON.parse(text), and for
 * each record the text of its top-level fields `keys`. Undefined when the page is outside the
 * scanned subset, or invalid, or `path` does not lead to an array: then parse it in full.
 */
export function scanPage(text: string, path: readonly PathSegment[], keys: readonly string[]): ScannedPage | undefined {
  const scan = new Scan(text);
  // Keys that JSON text could not write as themselves are always compared decoded.
  const decodeKeys = keys.some((k) => k.includes('\\') || k.includes('"') || CONTROL.test(k));
  let found: { open: number; close: number; texts: string[]; storable: boolean[]; values: Array<string | undefined> } | undefined;
  const records = (open: number) => {
    const texts: string[] = [];
    const storable: boolean[] = [];
    const values: Array<string | undefined> = [];
    let i = scan.skipSpace(open + 1);
    if (text.charCodeAt(i) !== CLOSE_ARRAY)
      for (;;) {
        if (text.charCodeAt(i) !== OPEN_OBJECT) throw LEAVE;
        scan.exact = true;
        const base = values.length;
        for (let k = 0; k < keys.length; k++) values.push(undefined);
        const end = scan.object(i, keys, values, base, decodeKeys);
        const record = text.slice(i, end);
        if (!clean(record)) throw LEAVE;
        // A key written with escapes may still name one of `keys`: read this record's names decoded.
        if (!decodeKeys && record.includes('\\')) {
          for (let k = 0; k < keys.length; k++) values[base + k] = undefined;
          scan.object(i, keys, values, base, true);
        }
        texts.push(record);
        storable.push(scan.exact && !(record.includes('\\u') && UNSTORABLE_ESCAPE.test(record)));
        i = scan.skipSpace(end);
        const d = text.charCodeAt(i);
        if (d === CLOSE_ARRAY) break;
        if (d !== COMMA) throw LEAVE;
        i = scan.skipSpace(i + 1);
      }
    found = { open, close: i, texts, storable, values };
    return i + 1;
  };
  // Just past the value at i, found at path[0..depth). A later value at the same place replaces
  // what an earlier one found (a duplicate key), as in JSON.parse.
  const visit = (i: number, depth: number): number => {
    found = undefined;
    const c = text.charCodeAt(i);
    if (depth === path.length) return c === OPEN_ARRAY ? records(i) : scan.skip(i);
    const seg = path[depth]!;
    if (typeof seg === 'string' && c === OPEN_OBJECT) {
      i = scan.skipSpace(i + 1);
      while (text.charCodeAt(i) !== CLOSE_OBJECT) {
        if (text.charCodeAt(i) !== QUOTE) throw LEAVE;
        const keyEnd = scan.string(i);
        const name = scan.name(i, keyEnd);
        const start = scan.skipSpace(scan.skipSpace(keyEnd) + 1);
        i = name === seg ? visit(start, depth + 1) : scan.skip(start);
        i = scan.skipSpace(i);
        if (text.charCodeAt(i) === COMMA) i = scan.skipSpace(i + 1);
        else if (text.charCodeAt(i) !== CLOSE_OBJECT) throw LEAVE;
      }
      return i + 1;
    }
    if (typeof seg === 'number' && c === OPEN_ARRAY) {
      i = scan.skipSpace(i + 1);
      for (let k = 0; text.charCodeAt(i) !== CLOSE_ARRAY; k++) {
        i = k === seg ? visit(i, depth + 1) : scan.skip(i);
        i = scan.skipSpace(i);
        if (text.charCodeAt(i) === COMMA) i = scan.skipSpace(i + 1);
        else if (text.charCodeAt(i) !== CLOSE_ARRAY) throw LEAVE;
      }
      return i + 1;
    }
    return scan.skip(i);
  };
  try {
    const end = scan.skipSpace(visit(scan.skipSpace(0), 0));
    if (!found || end !== text.length) return undefined;
    const { open, close, texts, storable, values } = found;
    return { rest: JSON.parse(text.slice(0, open + 1) + text.slice(close)), texts, storable, values };
  } catch (err) {
    if (err === LEAVE || err instanceof SyntaxError || err instanceof RangeError) return undefined;
    throw err;
  }
}
