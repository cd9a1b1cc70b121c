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
 * A parsed page's text, then each selected record's own text, passed from parseJsonResponse through
 * selectRecords to the RecordMapper (the connector hands only parsed values between them).
 */
const pageTexts = new WeakMap<object, string>();
const itemTexts = new WeakMap<object, string>();

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
    const body: unknown = JSON.parse(res.body);
    if (body !== null && typeof body === 'object') pageTexts.set(body, res.body);
    return body;
  } catch (err) {
    throw new ProviderError('unknown', `${what} returned invalid JSON: ${(err as Error).message}`, { status: res.status, cause: err });
  }
}

/** Applies the records selector: an array is the records, one object is one record, null/missing is none. */
export function selectRecords(body: unknown, selector: ReturnType<typeof parseJsonPath>, what: string): unknown[] {
  const found = getPath(body, selector);
  if (found === undefined || found === null) return [];
  if (Array.isArray(found)) {
    keepTexts(body, selector, found);
    return found;
  }
  if (typeof found === 'object') return [found];
  throw new ProviderError('configuration', `${what}: records_selector points at a ${typeof found}, expected an array of records`);
}

function keepTexts(body: unknown, selector: ReturnType<typeof parseJsonPath>, items: unknown[]): void {
  const page = body !== null && typeof body === 'object' ? pageTexts.get(body) : undefined;
  const texts = page === undefined ? undefined : recordTexts(page, selector);
  if (texts?.length !== items.length) return;
  for (let i = 0; i < items.length; i++) {
    const text = texts[i];
    if (text !== undefined) itemTexts.set(items[i] as object, text);
  }
}

export interface RecordMapperOptions {
  primaryKey?: string;
  replicationKey?: string;
}

export type RecordMapper = (item: unknown, context?: Record<string, unknown>) => SourceRecord;

export function createRecordMapper(opts: RecordMapperOptions): RecordMapper {
  const getId = opts.primaryKey ? compileGetter(opts.primaryKey) : null;
  const getModified = opts.replicationKey ? compileGetter(opts.replicationKey) : null;
  const pk = opts.primaryKey;
  return (item, context) => {
    // APIs that return lists of scalars still produce a record per element.
    const raw = (item !== null && typeof item === 'object' && !Array.isArray(item) ? item : { value: item }) as Record<string, unknown>;
    let rawJson = itemTexts.get(raw);
    if (context)
      for (const key in context)
        if (!(key in raw)) {
          raw[key] = context[key];
          rawJson = undefined; // no longer the provider's text
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
    return rawJson === undefined ? { id, lastModifiedAt, isDeleted: false, raw } : { id, lastModifiedAt, isDeleted: false, raw, rawJson };
  };
}

/** sha256 of the canonical JSON, so the same record always gets the same id across runs. */
export function hashRecord(raw: unknown): string {
  const json = canonicalJson(raw);
  // One-shot crypto.hash (Node >= 20.12) is ~4x faster than createHash for small inputs.
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', json, 'hex') : crypto.createHash('sha256').update(json).digest('hex');
}
