/**
 * COPY text-format encoding and streaming. Text format: fields separated by tab, rows by newline,
 * NULL as `\N`; backslash, tab, newline and carriage return inside a value are backslash-escaped.
 * Every other character (quotes, unicode) travels as is, in UTF-8.
 *
 * Postgres text and jsonb cannot hold U+0000, and jsonb rejects lone UTF-16 surrogates, which
 * JSON.stringify writes as `\u0000` / `\udxxx` escapes: such characters are dropped / replaced by U+FFFD.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const SUSPECT = /[\0\ud800-\udfff]/;

/** Drops NUL and replaces lone surrogates: what Postgres text/jsonb can store. */
export function cleanString(s: string): string {
  if (!SUSPECT.test(s)) return s;
  let out = s.includes('\0') ? s.replace(/\0/g, '') : s;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(out)) out = out.replace(LONE_SURROGATE, '\ufffd');
  return out;
}

function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanString(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const obj = (value as { toJSON?: () => unknown }).toJSON ? (value as { toJSON: () => unknown }).toJSON() : value;
    if (obj !== value) return cleanDeep(obj);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanString(k)] = cleanDeep(v);
    return out;
  }
  return value;
}

/** JSON text that jsonb accepts (the fast path is plain JSON.stringify). */
export function jsonText(value: unknown): string {
  const json = JSON.stringify(value ?? null);
  if (json === undefined) return 'null';
  if (!json.includes('\\u0000') && !/\\ud[89a-f]/i.test(json)) return json;
  return JSON.stringify(cleanDeep(value)) ?? 'null';
}

/** One COPY text-format field. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  const s = cleanString(value);
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

/**
 * A COPY field holding `jsonText` output: JSON text has no raw control characters, NUL or lone
 * surrogates (JSON.stringify escapes them, jsonText drops/replaces their escapes), so only
 * backslashes need doubling.
 */
export function copyJsonField(json: string | null): string {
  if (json === null) return '\\N';
  return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
}

/**
 * `value` as a COPY field of JSON text that jsonb accepts. JSON.stringify output without a
 * backslash has no escapes at all (no \u0000, no lone surrogate, nothing to double): one scan
 * decides, and only the rare rest takes the cleaning path.
 */
export function copyJson(value: unknown): string {
  const json = JSON.stringify(value ?? null) ?? 'null';
  return json.indexOf('\\') === -1 ? json : copyJsonField(jsonText(value));
}

const CHUNK_BYTES = 64 * 1024;

/**
 * COPY data written straight into ~64 KiB Buffers, so the stream is not flooded with tiny writes.
 * A row's pieces go where they belong: no row string, no chunk string to flatten and encode again
 * (two copies of every record's text, and the young garbage that made a worker collect more often).
 */
export class CopyBuffer {
  #buf = Buffer.allocUnsafe(CHUNK_BYTES);
  #at = 0;
  #full: Buffer[] = [];

  write(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: room for that, and a write never falls short.
    if (this.#at + s.length * 3 > this.#buf.length) this.#next(s.length * 3);
    this.#at += this.#buf.write(s, this.#at);
  }

  /** Whether a chunk is full (take it). */
  get ready(): boolean {
    return this.#full.length > 0;
  }

  take(): Buffer[] {
    const full = this.#full;
    this.#full = [];
    return full;
  }

  /** The full chunks and the last one. */
  end(): Buffer[] {
    if (this.#at > 0) this.#full.push(this.#buf.subarray(0, this.#at));
    // Never written over: a write after this starts a new chunk.
    this.#buf = Buffer.alloc(0);
    this.#at = 0;
    return this.take();
  }

  #next(need: number): void {
    if (this.#at > 0) this.#full.push(this.#buf.subarray(0, this.#at));
    this.#buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    this.#at = 0;
  }
}

/**
 * `COPY <table> (<columns>) FROM STDIN` of what `fill` writes, with backpressure: `fill` writes rows
 * into the buffer and yields after each, and full chunks go out as it goes. `tableSql` and
 * `columnsSql` must be quoted identifiers. Returns the number of rows copied.
 */
export async function copyInto(client: pg.ClientBase, tableSql: string, columnsSql: string, fill: (out: CopyBuffer) => Iterable<unknown>): Promise<number> {
  async function* chunks(): AsyncGenerator<Buffer> {
    const out = new CopyBuffer();
    for (const _ of fill(out)) if (out.ready) yield* out.take();
    yield* out.end();
  }
  const stream = client.query(copyStreams.from(`COPY ${tableSql} (${columnsSql}) FROM STDIN`));
  await pipeline(Readable.from(chunks()), stream);
  return stream.rowCount;
}

/** `copyInto` of already-encoded rows. */
export function copyRows(client: pg.ClientBase, tableSql: string, columnsSql: string, rows: Iterable<string>): Promise<number> {
  return copyInto(client, tableSql, columnsSql, function* (out) {
    for (const row of rows) {
      out.write(row);
      yield;
    }
  });
}
