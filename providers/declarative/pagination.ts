/**
 * Pagination strategies. Each turns a small JSON state into request parameters
 * and derives the next state from a response (null = no more pages). The state
 * is what the engine persists between pages, so it must stay JSON and small.
 */
import { ProviderError } from '../errors';
import type { JsonValue } from '../types';
import type { PaginationDefinition } from './definition';
import { getPath, parseJsonPath, type PathSegment } from './json-path';

export interface RequestParts {
  url: URL;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

export interface PageResponse {
  body: unknown;
  headers: Headers;
  /** The URL that was requested (for resolving relative next URLs). */
  url: string;
  /** Records on the page before any client-side filtering. */
  count: number;
}

export type PaginationState = { [key: string]: JsonValue };

export interface Paginator {
  first(): PaginationState;
  apply(state: PaginationState, parts: RequestParts): void;
  next(state: PaginationState, page: PageResponse): PaginationState | null;
  /** Throws when a persisted state does not fit this strategy (e.g. the definition changed). */
  check(state: unknown): PaginationState;
  /**
   * Present when the definition declares a total (page_increment, offset without next_offset_selector):
   * the state of the n-th page (0-based), and the number of pages a response says there are.
   */
  numbered?: {
    nth(n: number): PaginationState;
    pageCount(body: unknown): number | null;
  };
}

type Location = 'query' | 'header' | 'body';

export function setParam(parts: RequestParts, location: Location, name: string, value: JsonValue): void {
  if (location === 'query') parts.url.searchParams.set(name, String(value));
  else if (location === 'header') parts.headers[name] = String(value);
  else {
    parts.body ??= {};
    parts.body[name] = value;
  }
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === '';

function stuck(what: string, value: JsonValue): never {
  // Following a repeated cursor would loop forever and re-import the same page.
  throw new ProviderError('unknown', `pagination did not advance: the API returned the same ${what} (${JSON.stringify(value).slice(0, 100)}) twice`);
}

function checker(keys: Record<string, (v: unknown) => boolean>): (state: unknown) => PaginationState {
  return (state) => {
    if (state === null || typeof state !== 'object' || Array.isArray(state)) throw invalidState(state);
    for (const [k, ok] of Object.entries(keys)) if (!ok((state as Record<string, unknown>)[k])) throw invalidState(state);
    return state as PaginationState;
  };
}

function invalidState(state: unknown): ProviderError {
  return new ProviderError('configuration', `page state ${JSON.stringify(state)?.slice(0, 200)} does not match this stream's pagination; restart the sync from the first page`);
}

const isInt = (v: unknown) => Number.isInteger(v);
const isJson = (v: unknown) => v !== undefined;
const isStrOrNull = (v: unknown) => v === null || typeof v === 'string';

export function createPaginator(def: PaginationDefinition): Paginator {
  switch (def.type) {
    case 'none':
      return { first: () => ({}), apply: () => {}, next: () => null, check: checker({}) };

    case 'page_increment':
      return {
        first: () => ({ page: def.start_from }),
        apply(state, parts) {
          setParam(parts, def.location, def.param, state.page!);
          if (def.page_size_param && def.page_size !== undefined) setParam(parts, def.location, def.page_size_param, def.page_size);
        },
        next(state, page) {
          if (page.count === 0) return null;
          if (def.page_size !== undefined && page.count < def.page_size) return null;
          return { page: (state.page as number) + 1 };
        },
        check: checker({ page: isInt }),
        ...(def.total_selector !== undefined && {
          numbered: { nth: (n: number) => ({ page: def.start_from + n }), pageCount: pageCounter(def.total_selector, def.total_unit, def.page_size) },
        }),
      };

    case 'offset': {
      const selector = def.next_offset_selector ? parseJsonPath(def.next_offset_selector) : null;
      return {
        first: () => ({ offset: 0 }),
        apply(state, parts) {
          setParam(parts, def.location, def.offset_param, state.offset!);
          if (def.limit_param) setParam(parts, def.location, def.limit_param, def.limit);
        },
        next(state, page) {
          if (selector) {
            const v = getPath(page.body, selector);
            if (isEmpty(v)) return null;
            // Offsets may be opaque (Chargebee returns a JSON-encoded array as a string).
            if (JSON.stringify(v) === JSON.stringify(state.offset)) stuck('offset', v as JsonValue);
            return { offset: v as JsonValue };
          }
          if (page.count < def.limit) return null;
          return { offset: (state.offset as number) + page.count };
        },
        check: checker({ offset: isJson }),
        ...(def.total_selector !== undefined &&
          !selector && { numbered: { nth: (n: number) => ({ offset: n * def.limit }), pageCount: pageCounter(def.total_selector, def.total_unit, def.limit) } }),
      };
    }

    case 'cursor': {
      const selector = parseJsonPath(def.next_cursor_selector);
      return {
        first: () => ({ cursor: null }),
        apply(state, parts) {
          if (state.cursor !== null && state.cursor !== undefined) setParam(parts, def.location, def.param, state.cursor);
          if (def.page_size_param && def.page_size !== undefined) setParam(parts, def.location, def.page_size_param, def.page_size);
        },
        next(state, page) {
          const v = getPath(page.body, selector);
          if (isEmpty(v)) return null;
          const cursor = typeof v === 'string' ? v : JSON.stringify(v);
          if (cursor === state.cursor) stuck('cursor', cursor);
          return { cursor };
        },
        check: checker({ cursor: isStrOrNull }),
      };
    }

    case 'next_url': {
      const selector = def.next_url_selector === 'link_header' ? null : parseJsonPath(def.next_url_selector);
      return {
        first: () => ({ url: null }),
        apply(state, parts) {
          if (typeof state.url !== 'string') return;
          const next = new URL(state.url);
          // Only the API's own host gets our credentials.
          if (next.origin !== parts.url.origin) {
            throw new ProviderError('configuration', `next page URL points to ${next.origin}, not ${parts.url.origin}; refusing to send credentials there`);
          }
          // The next URL carries the paging parameters; keep any of ours it lacks (e.g. a query API key).
          for (const [k, v] of parts.url.searchParams) if (!next.searchParams.has(k)) next.searchParams.set(k, v);
          parts.url = next;
        },
        next(state, page) {
          const v = selector ? getPath(page.body, selector) : linkHeaderNext(page.headers.get('link'));
          if (isEmpty(v)) return null;
          if (typeof v !== 'string') throw new ProviderError('configuration', `next_url_selector points at a ${typeof v}, expected a URL string`);
          const url = new URL(v, page.url).href;
          if (url === state.url || url === page.url) stuck('next URL', url);
          return { url };
        },
        check: checker({ url: isStrOrNull }),
      };
    }
  }
}

/** Pages a response says there are: its total of pages, or of records over the page size; null when it does not say. */
function pageCounter(totalSelector: string, unit: 'records' | 'pages', pageSize: number | undefined): (body: unknown) => number | null {
  const path = parseJsonPath(totalSelector);
  return (body) => {
    const raw = getPath(body, path);
    const total = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return null;
    if (unit === 'pages') return Math.floor(total);
    // The definition check requires a page size with a total of records.
    return Math.ceil(total / pageSize!);
  };
}

/** The rel="next" target of an RFC 8288 Link header, if any. */
export function linkHeaderNext(header: string | null): string | null {
  if (!header) return null;
  for (const m of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1]!;
  }
  return null;
}

/**
 * Whether a strategy reads a value at, under or holding `path` of a response (the records array),
 * so that the page body handed to it must hold the records.
 */
export function readsUnder(def: PaginationDefinition, path: readonly PathSegment[]): boolean {
  const selectors = [
    'total_selector' in def ? def.total_selector : undefined,
    'next_offset_selector' in def ? def.next_offset_selector : undefined,
    'next_cursor_selector' in def ? def.next_cursor_selector : undefined,
    'next_url_selector' in def && def.next_url_selector !== 'link_header' ? def.next_url_selector : undefined,
  ];
  return selectors.some((s) => {
    if (s === undefined) return false;
    const read = parseJsonPath(s);
    return read.slice(0, path.length).every((seg, i) => seg === path[i]);
  });
}
