/**
 * Keyset cursor pagination as in the Supaglue API: `{ next, previous, total_count, results }`.
 * Cursors are opaque (base64url JSON of the edge row's sort key and direction).
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';
import { isUuid } from './ids';

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

/** The query parameters of a paginated list. */
export const paginationQuery = {
  cursor: z.string().optional().meta({ description: 'The pagination cursor value' }),
  page_size: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .optional()
    .meta({ description: `Number of results to return per page. (Max: ${MAX_PAGE_SIZE})` }),
};

export interface Cursor {
  dir: 'next' | 'prev';
  /** Sort value (ISO time) and id of the edge row. */
  key: [string, string];
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string | undefined): Cursor | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    const [at, id] = Array.isArray(c.key) ? c.key : [];
    if ((c.dir === 'next' || c.dir === 'prev') && typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && isUuid(id)) return c;
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor: not a cursor this API issued', { issues: [{ path: 'cursor', message: 'invalid cursor', code: 'invalid_cursor' }] });
}

export function pageSize(raw: string | undefined): number {
  const n = raw === undefined ? DEFAULT_PAGE_SIZE : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`page_size: must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
      issues: [{ path: 'page_size', message: `must be 1..${MAX_PAGE_SIZE}`, code: 'invalid_page_size' }],
    });
  }
  return n;
}

/** The page a list request asks for, checked (page_size first, then cursor) before any query runs. */
export function pageRequest(q: { cursor?: string; page_size?: string }): { size: number; cursor: Cursor | undefined } {
  const size = pageSize(q.page_size);
  return { size, cursor: decodeCursor(q.cursor) };
}

export interface Page<T> {
  next: string | null;
  previous: string | null;
  total_count: number;
  results: T[];
}

/**
 * Given the rows fetched for a page (one extra to detect more), in the requested direction,
 * builds the page with cursors. `keyOf` returns the row's sort key.
 */
export function buildPage<R, T>(fetched: R[], size: number, cursor: Cursor | undefined, totalCount: number, keyOf: (row: R) => [string, string], shape: (row: R) => T): Page<T> {
  const hasMore = fetched.length > size;
  let rows = fetched.slice(0, size);
  if (cursor?.dir === 'prev') rows = rows.reverse();
  const first = rows[0];
  const last = rows.at(-1);
  const forward = cursor?.dir !== 'prev';
  const hasNext = forward ? hasMore : cursor !== undefined;
  const hasPrev = forward ? cursor !== undefined : hasMore;
  return {
    next: hasNext && last ? encodeCursor({ dir: 'next', key: keyOf(last) }) : null,
    previous: hasPrev && first ? encodeCursor({ dir: 'prev', key: keyOf(first) }) : null,
    total_count: totalCount,
    results: rows.map(shape),
  };
}
