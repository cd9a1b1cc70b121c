/**
 * The text of each record in a JSON page, so a destination can store the provider's bytes instead
 * of serialising the parsed record again (JSON.stringify was the largest cost of the COPY encoding).
 *
 * A record's text is only handed out when storing it gives the same jsonb value as storing
 * JSON.stringify(JSON.parse(text)): jsonb drops whitespace and keeps the last of duplicate keys, as
 * JSON.parse does, and decodes escapes to the same characters. What differs is left out: a number JS
 * would print differently (1.0, 1e3, -0, digits beyond a double's precision) and the escapes jsonb
 * rejects (\u0000, lone surrogates), which the COPY encoder cleans on the JSON.stringify path. Only
 * compact text is handed out, so that, like JSON.stringify output, it holds no raw control
 * characters (a COPY field then only doubles its backslashes, and an NDJSON line stays one line).
 *
 * Runs on text JSON.parse has already accepted, so it only tracks structure, not validity.
 */
import type { PathSegment } from './json-path';

// JSON's structural characters, as char codes (page-scan.ts reads them too).
export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_OBJECT = 123;
export const CLOSE_OBJECT = 125;
export const OPEN_ARRAY = 91;
export const CLOSE_ARRAY = 93;
export const COMMA = 44;
export const COLON = 58;
export const MINUS = 45;
export const ZERO = 48;
export const NINE = 57;

/** An escape jsonb rejects: \u0000 or a surrogate (the rare valid pair goes the safe way too). */
export const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** Past the whitespace at i. */
export function skipSpace(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
  return i;
}

/** Just past the string whose opening quote is at i: the first quote not escaped, as JSON reads it; -1 when there is none. */
export function stringEnd(text: string, i: number): number {
  let q = text.indexOf('"', i + 1);
  while (q >= 0) {
    let b = q - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

/** Whether a JSON number is written as JS writes it back (String(Number(token))). */
export function printsBack(token: string): boolean {
  return String(Number(token)) === token;
}

class Scan {
  /** Whether every number since the last reset is written as JS writes it. */
  exact = true;
  /** Whether there was no whitespace between tokens since the last reset. */
  compact = true;
  constructor(readonly text: string) {}

  skipSpace(i: number): number {
    return skipSpace(this.text, i);
  }

  /** Just past the string whose opening quote is at i (the text is valid JSON: it ends). */
  stringEnd(i: number): number {
    return stringEnd(this.text, i);
  }

  numberEnd(i: number): number {
    const text = this.text;
    let j = i;
    let plain = true;
    for (;;) {
      const c = text.charCodeAt(j);
      if (c >= ZERO && c <= NINE) j++;
      else if (c === MINUS && j === i) j++;
      else if (c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS) {
        plain = false;
        j++;
      } else break;
    }
    const digits = text.charCodeAt(i) === MINUS ? j - i - 1 : j - i;
    // Up to 15 digits an integer is exact in a double and printed back the same (JSON has no leading zeros); only -0 is not.
    if (plain && digits <= 15 && !(digits === 1 && text.charCodeAt(i) === MINUS && text.charCodeAt(i + 1) === ZERO)) return j;
    if (!printsBack(text.slice(i, j))) this.exact = false;
    return j;
  }

  /** Just past the value starting at i (no leading whitespace). */
  valueEnd(i: number): number {
    const text = this.text;
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) i = this.stringEnd(i);
      else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        i++;
        continue;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        i++;
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) i = this.numberEnd(i);
      else if (c === 116 || c === 110)
        i += 4; // true, null
      else if (c === 102)
        i += 5; // false
      else {
        if (c !== COMMA && c !== COLON) this.compact = false; // whitespace inside a container
        i++;
        continue;
      }
      if (depth === 0) return i;
    }
  }

  /** Calls `each` with the start of each element of the array at i; `each` returns just past it. Just past the array. */
  elements(i: number, each: (start: number) => number): number {
    const text = this.text;
    i = this.skipSpace(i + 1);
    while (text.charCodeAt(i) !== CLOSE_ARRAY) {
      this.exact = true;
      this.compact = true;
      i = this.skipSpace(each(i));
      if (text.charCodeAt(i) === COMMA) i = this.skipSpace(i + 1);
    }
    return i + 1;
  }

  /** Calls `each` with each member's name and value start; `each` returns just past the value. Just past the object. */
  members(i: number, each: (name: string, start: number) => number): number {
    const text = this.text;
    i = this.skipSpace(i + 1);
    while (text.charCodeAt(i) !== CLOSE_OBJECT) {
      const keyEnd = this.stringEnd(i);
      let name = text.slice(i + 1, keyEnd - 1);
      if (name.includes('\\')) name = JSON.parse(text.slice(i, keyEnd)) as string;
      i = this.skipSpace(each(name, this.skipSpace(this.skipSpace(keyEnd) + 1)));
      if (text.charCodeAt(i) === COMMA) i = this.skipSpace(i + 1);
    }
    return i + 1;
  }
}

/**
 * For the array at `path` in `text` (valid JSON), each element's text when it is an object written
 * compactly (no whitespace between tokens, as JSON.stringify writes) whose text stores as the same
 * jsonb as its JSON.stringify, else undefined; undefined when `path` does not lead to an array.
 * One pass over the page: the path is followed while its values are scanned.
 */
export function recordTexts(text: string, path: readonly PathSegment[]): Array<string | undefined> | undefined {
  const scan = new Scan(text);
  let out: Array<string | undefined> | undefined;
  // Just past the value at i, found at path[0..depth). Each such value replaces what an earlier
  // one found (a duplicate key: JSON.parse keeps the last), and the array at the full path sets `out`.
  const visit = (i: number, depth: number): number => {
    out = undefined;
    const c = text.charCodeAt(i);
    if (depth === path.length) {
      if (c !== OPEN_ARRAY) return scan.valueEnd(i);
      const found: Array<string | undefined> = [];
      out = found;
      return scan.elements(i, (start) => {
        const end = scan.valueEnd(start);
        if (text.charCodeAt(start) !== OPEN_OBJECT || !scan.exact || !scan.compact) found.push(undefined);
        else {
          const record = text.slice(start, end);
          found.push(record.includes('\\u') && UNSTORABLE_ESCAPE.test(record) ? undefined : record);
        }
        return end;
      });
    }
    const seg = path[depth]!;
    if (typeof seg === 'string' && c === OPEN_OBJECT) return scan.members(i, (name, start) => (name === seg ? visit(start, depth + 1) : scan.valueEnd(start)));
    if (typeof seg === 'number' && c === OPEN_ARRAY) {
      let k = 0;
      return scan.elements(i, (start) => (k++ === seg ? visit(start, depth + 1) : scan.valueEnd(start)));
    }
    return scan.valueEnd(i);
  };
  visit(scan.skipSpace(0), 0);
  return out;
}
