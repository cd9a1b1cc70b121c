/**
 * Turning a response body into SourceRecords: JSON parsing with a content-type
 * check, the records selector, and id / lastModifiedAt mapping. This is the hot
 * path measured by bench/provider.ts, so per-record work is kept to getters
 * compiled once per stream.
 */
import * as crypto from 'node:crypto';
import { canonicalJson } from '../../lib/records';
import { ProviderError } from '../errors';
import type { HttpResponse } from '../runtime';
import type { SourceRecord } from '../types';
import { parseTimestamp } from './date-format';
import { compileGetter, getPath, parseJsonPath } from './json-path';
import { recordTexts } from './json-spans';
import { type ScannedPage, scanPage } from './page-scan';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Parses a JSON response body. Returns undefined for an empty 204-style body.
 * Anything but application/json (or a +json type) is a configuration error,
 * typically a wrong base_url landing on an HTML page.
 */
export function parseJsonResponse(res: HttpResponse, what: string): unknown {
  return hasJsonBody(res, what) ? parseBody(res, what) : undefined;
}

function parseBody(res: HttpResponse, what: string): unknown {
  try {
    return JSON.parse(res.body) as unknown;
  } catch (err) {
    throw new ProviderError('unknown', `${what} returned invalid JSON: ${(err as Error).message}`, { status: res.status, cause: err });
  }
}

function hasJsonBody(res: HttpResponse, what: string): boolean {
  if (res.status === 204 || (res.body === '' && !res.headers.get('content-type'))) return false;
  const contentType = res.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new ProviderError('configuration', `${what} returned content type "${mediaType || '(none)'}"; only application/json responses are supported (check base_url and path)`, {
      status: res.status,
    });
  }
  return true;
}

/**
 * A page's body (for pagination) and its records. A page the scan accepts (page-scan.ts) is read
 * without parsing its records; any other is parsed in full. Records under a parent's context are
 * always built from parsed objects, since the context's fields are added to them.
 */
export function readRecords(
  res: HttpResponse,
  what: string,
  stream: { selector: ReturnType<typeof parseJsonPath>; mapRecord: RecordMapper },
  context?: Record<string, unknown>,
): { body: unknown; records: SourceRecord[] } {
  const { selector, mapRecord } = stream;
  const json = hasJsonBody(res, what);
  if (json && !context && mapRecord.scan) {
    const page = scanPage(res.body, selector, mapRecord.scan.keys);
    if (page) return { body: page.rest, records: mapRecord.scan.records(page) };
  }
  const body = json ? parseBody(res, what) : undefined;
  const items = selectRecords(body, selector, what);
  const texts = new PageTexts(res.body, selector, items.length);
  return { body, records: items.map((item, i) => mapRecord(item, context, texts, i)) };
}

/** Applies the records selector: an array is the records, one object is one record, null/missing is none. */
export function selectRecords(body: unknown, selector: ReturnType<typeof parseJsonPath>, what: string): unknown[] {
  const found = getPath(body, selector);
  if (found === undefined || found === null) return [];
  if (Array.isArray(found)) return found;
  if (typeof found === 'object') return [found];
  throw new ProviderError('configuration', `${what}: records_selector points at a ${typeof found}, expected an array of records`);
}

/**
 * The own text of each record `selectRecords` found in a page, for SourceRecord.rawJson. The page
 * is scanned (json-spans.ts) only when a destination first asks for one: most never do.
 */
export class PageTexts {
  #texts: Array<string | undefined> | null | undefined;
  constructor(
    private readonly page: string,
    private readonly selector: ReturnType<typeof parseJsonPath>,
    private readonly count: number,
  ) {}

  at(index: number): string | undefined {
    if (this.#texts === undefined) {
      const texts = recordTexts(this.page, this.selector);
      // Not the array selectRecords found (one object, not an array): no texts.
      this.#texts = texts?.length === this.count ? texts : null;
    }
    return this.#texts?.[index];
  }
}

/** A record of a page, whose text is looked up in the page only when asked for. */
class PageRecord implements SourceRecord {
  isDeleted = false;
  readonly #texts: PageTexts;
  readonly #index: number;
  constructor(
    public id: string,
    public lastModifiedAt: Date | null,
    public raw: Record<string, unknown>,
    texts: PageTexts,
    index: number,
  ) {
    this.#texts = texts;
    this.#index = index;
  }

  get rawJson(): string | undefined {
    return this.#texts.at(this.#index);
  }
}

/**
 * A record of a scanned page: its object is parsed from its text when first asked for. `raw` is an
 * own enumerable property, as on a parsed record, so a spread or a comparison of the record holds it.
 */
class ScannedRecord implements SourceRecord {
  static readonly #raw: PropertyDescriptor = {
    get(this: ScannedRecord) {
      this.#parsed ??= JSON.parse(this.#text) as Record<string, unknown>;
      return this.#parsed;
    },
    set(this: ScannedRecord, value: Record<string, unknown>) {
      this.#parsed = value;
      this.#storable = false; // no longer the provider's text
    },
    enumerable: true,
  };
  isDeleted = false;
  declare raw: Record<string, unknown>;
  #parsed: Record<string, unknown> | undefined;
  readonly #text: string;
  #storable: boolean;
  constructor(
    public id: string,
    public lastModifiedAt: Date | null,
    text: string,
    storable: boolean,
  ) {
    this.#text = text;
    this.#storable = storable;
    Object.defineProperty(this, 'raw', ScannedRecord.#raw);
  }

  get rawJson(): string | undefined {
    return this.#storable ? this.#text : undefined;
  }
}

export interface RecordMapperOptions {
  primaryKey?: string;
  replicationKey?: string;
  /** Whether pages may be scanned instead of parsed: false when pagination reads the records array. */
  scan?: boolean;
}

/** Maps a selected record; with the page's texts and its position there, the record can hand out its own text. */
export interface RecordMapper {
  (item: unknown, context?: Record<string, unknown>, texts?: PageTexts, index?: number): SourceRecord;
  /** Set when a page's records can be built from a scan: the top-level fields the scan reads, and the records from its result. */
  scan?: { keys: readonly string[]; records(page: ScannedPage): SourceRecord[] };
}

export function createRecordMapper(opts: RecordMapperOptions): RecordMapper {
  const getId = opts.primaryKey ? compileGetter(opts.primaryKey) : null;
  const getModified = opts.replicationKey ? compileGetter(opts.replicationKey) : null;
  const pk = opts.primaryKey;
  const toId = (v: unknown, raw: () => Record<string, unknown>): string => {
    if (v === undefined || v === null || v === '') {
      throw new ProviderError('configuration', `a record has no value at primary_key "${pk}" (fields: ${Object.keys(raw()).slice(0, 20).join(', ')})`);
    }
    return typeof v === 'string' ? v : typeof v === 'object' ? canonicalJson(v) : String(v);
  };
  const mapper: RecordMapper = (item, context, texts, index) => {
    // APIs that return lists of scalars still produce a record per element.
    const isObject = item !== null && typeof item === 'object' && !Array.isArray(item);
    const raw = (isObject ? item : { value: item }) as Record<string, unknown>;
    let ownText = isObject && texts !== undefined && index !== undefined;
    if (context)
      for (const key in context)
        if (!(key in raw)) {
          raw[key] = context[key];
          ownText = false; // no longer the provider's text
        }
    const id = getId ? toId(getId(raw), () => raw) : hashRecord(raw);
    const lastModifiedAt = getModified ? parseTimestamp(getModified(raw)) : null;
    return ownText ? new PageRecord(id, lastModifiedAt, raw, texts!, index!) : { id, lastModifiedAt, isDeleted: false, raw };
  };
  // The scan reads top-level fields only, and an id is needed (without one the whole record is hashed).
  const idKey = topLevelKey(opts.primaryKey);
  const modifiedKey = opts.replicationKey === undefined ? null : topLevelKey(opts.replicationKey);
  if (opts.scan && idKey !== undefined && modifiedKey !== undefined) {
    const keys = modifiedKey === null || modifiedKey === idKey ? [idKey] : [idKey, modifiedKey];
    const modifiedAt = keys.length - 1; // the same field as the id when they are one
    mapper.scan = {
      keys,
      records: ({ texts, storable, values }) =>
        texts.map((text, r) => {
          const id = toId(fieldValue(values[r * keys.length]), () => JSON.parse(text) as Record<string, unknown>);
          const lastModifiedAt = modifiedKey === null ? null : parseTimestamp(fieldValue(values[r * keys.length + modifiedAt]));
          return new ScannedRecord(id, lastModifiedAt, text, storable[r]!);
        }),
    };
  }
  return mapper;
}

/** The one member name a path of one name segment reads; undefined for any other path. */
function topLevelKey(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const segments = parseJsonPath(path);
  return segments.length === 1 && typeof segments[0] === 'string' ? segments[0] : undefined;
}

/** A scanned field's value: a plain string without its quotes, anything else parsed. */
function fieldValue(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (text.charCodeAt(0) === 34 && !text.includes('\\')) return text.slice(1, -1);
  return JSON.parse(text) as unknown;
}

/** sha256 of the canonical JSON, so the same record always gets the same id across runs. */
export function hashRecord(raw: unknown): string {
  const json = canonicalJson(raw);
  // One-shot crypto.hash (Node >= 20.12) is ~4x faster than createHash for small inputs.
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', json, 'hex') : crypto.createHash('sha256').update(json).digest('hex');
}
