/** Table names, staging names and column layout of the BigQuery destination. */
import { createHash } from 'node:crypto';
import { defaultTableName, layoutColumns, type ColumnKind } from '../layout';
import type { WriteTarget } from '../types';
import { DATASET_ID_RE } from './config';

const TABLE_ID_RE = /^[A-Za-z0-9_-]{1,1024}$/;
const PROJECT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,127}$/;

export const STAGING_PREFIX = '_supaglue_stage_';
export const PROBE_PREFIX = '_supaglue_probe_';

export interface Column {
  name: string;
  type: 'STRING' | 'TIMESTAMP' | 'BOOL' | 'JSON';
}

const BQ_TYPES: Record<ColumnKind, Column['type']> = { string: 'STRING', timestamp: 'TIMESTAMP', boolean: 'BOOL', json: 'JSON' };

/** Target table columns; common objects also carry the unified record. */
export function targetColumns(target: Pick<WriteTarget, 'objectType'>): Column[] {
  return layoutColumns(target).map((c) => ({ name: c.name, type: BQ_TYPES[c.kind] }));
}

/** Staging columns: per-record fields only (application/provider/customer are query parameters). JSON travels as text. */
export function stagingColumns(target: Pick<WriteTarget, 'objectType'>): Column[] {
  return targetColumns(target)
    .filter((c) => !['_supaglue_application_id', '_supaglue_provider_name', '_supaglue_customer_id'].includes(c.name))
    .map((c) => (c.type === 'JSON' ? { name: c.name, type: 'STRING' as const } : c));
}

export function sanitizeName(value: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!s) throw new Error(`cannot derive a BigQuery table name from ${JSON.stringify(value)}`);
  return s;
}

/** `crm_contacts` for common objects, `<provider>_<object>` otherwise; `target.table` overrides. */
export function tableName(target: WriteTarget): string {
  if (target.table) return assertTableId(target.table);
  return sanitizeName(defaultTableName(target));
}

/** Deterministic per (table, runId, seq): a retried batch loads into (and truncates) the same staging table. */
export function stagingTableName(table: string, runId: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`batch seq must be a non-negative integer, got ${seq}`);
  return `${stagingRunPrefix(table, runId)}${seq}`;
}

export function stagingRunPrefix(table: string, runId: string): string {
  const h = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
  return `${STAGING_PREFIX}${h(table)}_${h(runId)}_`;
}

export function assertDatasetId(id: string): string {
  if (!DATASET_ID_RE.test(id)) throw new Error(`invalid BigQuery dataset id ${JSON.stringify(id)}`);
  return id;
}

export function assertTableId(id: string): string {
  if (!TABLE_ID_RE.test(id)) throw new Error(`invalid BigQuery table id ${JSON.stringify(id)}`);
  return id;
}

/** `` `project`.`dataset`.`table` `` from validated identifiers (none can contain a backquote). */
export function qualified(project: string, dataset: string, table: string): string {
  if (!PROJECT_ID_RE.test(project)) throw new Error(`invalid BigQuery project id ${JSON.stringify(project)}`);
  return [project, assertDatasetId(dataset), assertTableId(table)].map((p) => `\`${p}\``).join('.');
}
