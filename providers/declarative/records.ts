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
import { compileGetter, getPath, type parseJsonPath } from './json-path';
import { recordTexts } from './json-spans';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Parses a JSON response body. Returns undefined for an empty 204-style body.
 * Anything but application/json (or a +json type) is a configuration error,
 * typically a wrong base_url landing on an HTML page.
 */
export function parseJsonResponse(res: HttpResponse, what: string): unknown {
  if (res.status === 204 || (res.body === '' && !res.headers.get('content-type'))) return undefined;
  const contentType = res.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw new ProviderError('configuration', `${what} returned content type "${mediaType || '(none)'}"; only application/json responses are supported (check base_url and path)`, {
      status: res.status,
    });
  }
  try {
    return JSON.parse(res.body) as unknown;
  } catch (err) {
    throw new ProviderError('unknown', `${what} returned invalid JSON: ${(err as Error).message}`, { status: res.status, cause: err });
  }
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

export interface RecordMapperOptions {
  primaryKey?: string;
  replicationKey?: string;
}

/** Maps a selected record; with the page's texts and its position there, the record can hand out its own text. */
export type RecordMapper = (item: unknown, context?: Record<string, unknown>, texts?: PageTexts, index?: number) => SourceRecord;

export function createRecordMapper(opts: RecordMapperOptions): RecordMapper {
  const getId = opts.primaryKey ? compileGetter(opts.primaryKey) : null;
  const getModified = opts.replicationKey ? compileGetter(opts.replicationKey) : null;
  const pk = opts.primaryKey;
  return (item, context, texts, index) => {
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
    let id: string;
    if (getId) {
      const v = getId(raw);
      if (v === undefined || v === null || v === '') {
        throw new ProviderError('configuration', `a record has no value at primary_key "${pk}" (fields: ${Object.keys(raw).slice(0, 20).join(', ')})`);
      }
      id = typeof v === 'string' ? v : typeof v === 'object' ? canonicalJson(v) : String(v);
    } else {
      id = hashRecord(raw);
    }
    const lastModifiedAt = getModified ? parseTimestamp(getModified(raw)) : null;
    return ownText ? new PageRecord(id, lastModifiedAt, raw, texts!, index!) : { id, lastModifiedAt, isDeleted: false, raw };
  };
}

/** sha256 of the canonical JSON, so the same record always gets the same id across runs. */
export function hashRecord(raw: unknown): string {
  const json = canonicalJson(raw);
  // One-shot crypto.hash (Node >= 20.12) is ~4x faster than createHash for small inputs.
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', json, 'hex') : crypto.createHash('sha256').update(json).digest('hex');
}
