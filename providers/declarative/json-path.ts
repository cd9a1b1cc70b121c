/**
 * The JSONPath subset connector definitions use: `$`, `$.a.b`, `$.a[0].b`,
 * `$['odd-key']`. A leading `$.` may be omitted (`data.items`), which is how
 * field paths such as primary_key and replication_key are written.
 */
import { z } from 'zod';

export type PathSegment = string | number;

export class JsonPathError extends Error {}

export function parseJsonPath(expr: string): PathSegment[] {
  let rest = expr.trim();
  if (rest === '') throw new JsonPathError('must not be empty');
  if (rest === '$') return [];
  if (rest.startsWith('$')) {
    rest = rest.slice(1);
    if (!rest.startsWith('.') && !rest.startsWith('[')) throw new JsonPathError(`expected "." or "[" after "$" in "${expr}"`);
  } else {
    rest = `.${rest}`;
  }
  const segments: PathSegment[] = [];
  const token = /^(?:\.([^.[\]'"]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;
  while (rest.length > 0) {
    const m = token.exec(rest);
    if (!m) throw new JsonPathError(`unsupported JSONPath syntax at "${rest}" in "${expr}" (supported: $, $.a.b, $.a[0].b, $['key'])`);
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push((m[3] ?? m[4])!);
    rest = rest.slice(m[0].length);
  }
  return segments;
}

export function getPath(value: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = value;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}

/** A getter specialised for the common one-segment case: it runs once per record. */
export function compileGetter(expr: string): (value: unknown) => unknown {
  const path = parseJsonPath(expr);
  if (path.length === 1 && typeof path[0] === 'string') {
    const key = path[0];
    return (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined);
  }
  return (v) => getPath(v, path);
}

/** A definition field holding a JSONPath, checked when the definition is parsed. */
export const jsonPathSchema = z.string().superRefine((value, ctx) => {
  try {
    parseJsonPath(value);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `invalid JSONPath: ${e instanceof JsonPathError ? e.message : String(e)}` });
  }
});
