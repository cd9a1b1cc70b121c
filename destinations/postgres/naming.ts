/**
 * Table names and column layout of the Postgres destination (Supaglue-compatible).
 *
 * Every identifier is derived by `sanitizeIdentifier` (lowercase, [a-z0-9_], at most 63 bytes) and
 * is ALWAYS double-quoted in SQL; values are always bound parameters or COPY data, never interpolated.
 */
import { createHash } from 'node:crypto';
import { defaultTableName, KEY_COLUMNS, layoutColumns, type ColumnKind } from '../layout';
import type { WriteTarget } from '../types';

/** Postgres' NAMEDATALEN - 1. */
export const MAX_IDENTIFIER_LENGTH = 63;
export const PROBE_PREFIX = '_supaglue_probe_';

/**
 * Lowercase; accents folded (`Société` → `societe`); runs of anything outside [a-z0-9_] become one `_`
 * (dropped at either end). Names longer than 63 bytes keep a prefix and get a short hash of the whole
 * name, so two long names sharing a prefix do not collide (Postgres would silently truncate them).
 */
export function sanitizeIdentifier(value: string): string {
  const s = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/^[^a-z0-9_]+|[^a-z0-9_]+$/g, '')
    .replace(/[^a-z0-9_]+/g, '_');
  if (!s || /^_+$/.test(s)) throw new Error(`cannot derive a Postgres identifier from ${JSON.stringify(value)}`);
  if (s.length <= MAX_IDENTIFIER_LENGTH) return s;
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
  return `${s.slice(0, MAX_IDENTIFIER_LENGTH - hash.length - 1)}_${hash}`;
}

/** `"name"` with embedded quotes doubled: safe for any string (sanitized names contain none anyway). */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** The layout's default name (`crm_<object>s` / `<provider>_<object>`); `target.table` overrides (sanitized too). */
export function tableName(target: Pick<WriteTarget, 'providerName' | 'object' | 'objectType' | 'table'>): string {
  return sanitizeIdentifier(target.table || defaultTableName(target));
}

/** `target.schema` when set, the destination's schema otherwise; sanitized. */
export function schemaName(target: Pick<WriteTarget, 'schema'>, defaultSchema: string): string {
  return sanitizeIdentifier(target.schema || defaultSchema);
}

export interface Column {
  name: string;
  type: 'text' | 'timestamptz' | 'boolean' | 'jsonb';
}

export { KEY_COLUMNS };

const PG_TYPES: Record<ColumnKind, Column['type']> = { string: 'text', timestamp: 'timestamptz', boolean: 'boolean', json: 'jsonb' };

/** Target table columns; common objects also carry the unified record. */
export function targetColumns(target: Pick<WriteTarget, 'objectType'>): Column[] {
  return layoutColumns(target).map((c) => ({ name: c.name, type: PG_TYPES[c.kind] }));
}

/** Per-record columns (application/provider/customer are parameters of the upsert, not COPY data). */
export function recordColumns(target: Pick<WriteTarget, 'objectType'>): Column[] {
  return targetColumns(target).filter((c) => !(KEY_COLUMNS as readonly string[]).includes(c.name) || c.name === '_supaglue_id');
}

/** `"schema"."table"` */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
