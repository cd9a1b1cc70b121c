/**
 * The Supaglue-compatible record layout every table-shaped destination writes: column
 * names and their logical kinds (each destination maps kinds to its own types), and the
 * default table name. One definition, so Postgres and BigQuery tables never drift apart.
 */
import type { WriteTarget } from './types';

export type ColumnKind = 'string' | 'timestamp' | 'boolean' | 'json';

export interface LayoutColumn {
  name: string;
  kind: ColumnKind;
}

/** The primary key: (application, provider, customer, record id). */
export const KEY_COLUMNS = ['_supaglue_application_id', '_supaglue_provider_name', '_supaglue_customer_id', '_supaglue_id'] as const;

const BASE_COLUMNS: LayoutColumn[] = [
  { name: '_supaglue_application_id', kind: 'string' },
  { name: '_supaglue_provider_name', kind: 'string' },
  { name: '_supaglue_customer_id', kind: 'string' },
  { name: '_supaglue_id', kind: 'string' },
  { name: '_supaglue_emitted_at', kind: 'timestamp' },
  { name: '_supaglue_last_modified_at', kind: 'timestamp' },
  { name: '_supaglue_is_deleted', kind: 'boolean' },
  { name: '_supaglue_raw_data', kind: 'json' },
  { name: '_supaglue_mapped_data', kind: 'json' },
];
const UNIFIED_COLUMN: LayoutColumn = { name: '_supaglue_unified_data', kind: 'json' };

/** Columns of a target table; common objects also carry the unified record. */
export function layoutColumns(target: Pick<WriteTarget, 'objectType'>): LayoutColumn[] {
  return target.objectType === 'common' ? [...BASE_COLUMNS, UNIFIED_COLUMN] : BASE_COLUMNS;
}

export function pluralize(word: string): string {
  if (/s$/i.test(word)) return word;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/**
 * What a target's records are called where there is no table (S3 prefixes, API streams): the
 * object's name, or `entity_<name>` so an entity never shares a name with a provider object.
 */
export function streamName(target: Pick<WriteTarget, 'object' | 'objectType'>): string {
  return target.objectType === 'entity' ? `entity_${target.object}` : target.object;
}

/**
 * `crm_<object>s` for common objects (crm_contacts, crm_opportunities), `entity_<name>` for entities
 * (as Supaglue names them), `<provider>_<object>` otherwise; before the destination's own sanitizing.
 */
export function defaultTableName(target: Pick<WriteTarget, 'providerName' | 'object' | 'objectType'>): string {
  if (target.objectType === 'common') return `crm_${pluralize(target.object)}`;
  if (target.objectType === 'entity') return streamName(target);
  return `${target.providerName}_${target.object}`;
}
