/**
 * The statements the writer runs. Identifiers come from validated names (see naming.ts) and are
 * backquoted; every value is a named query parameter.
 */
import type { Column } from './naming';

const KEY = ['_supaglue_application_id', '_supaglue_provider_name', '_supaglue_customer_id'] as const;
const KEY_PARAM: Record<(typeof KEY)[number], string> = {
  _supaglue_application_id: '@application_id',
  _supaglue_provider_name: '@provider_name',
  _supaglue_customer_id: '@customer_id',
};

/** Source expression for a target column, reading the staging row `S`. */
function sourceExpr(c: Column): string {
  if (c.name in KEY_PARAM) return KEY_PARAM[c.name as (typeof KEY)[number]];
  // 'round': numbers JSON.stringify wrote from doubles need not be exact decimals (1.2345678901234567e19).
  if (c.type === 'JSON') return `PARSE_JSON(S.${c.name}, wide_number_mode => 'round')`;
  return `S.${c.name}`;
}

/** Upserts the staging rows into the target on (application, provider, customer, id). */
export function mergeStatement(target: string, staging: string, columns: Column[]): string {
  const updatable = columns.filter((c) => !(c.name in KEY_PARAM) && c.name !== '_supaglue_id');
  return [
    `MERGE ${target} T`,
    `USING ${staging} S`,
    `ON ${KEY.map((k) => `T.${k} = ${KEY_PARAM[k]}`).join(' AND ')} AND T._supaglue_id = S._supaglue_id`,
    `WHEN MATCHED THEN UPDATE SET ${updatable.map((c) => `${c.name} = ${sourceExpr(c)}`).join(', ')}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.map((c) => c.name).join(', ')})`,
    `VALUES (${columns.map(sourceExpr).join(', ')})`,
  ].join('\n');
}

/** After a successful full sync: what the run did not emit is soft-deleted. */
export function softDeleteStatement(target: string): string {
  return [
    `UPDATE ${target}`,
    'SET _supaglue_is_deleted = TRUE',
    `WHERE ${KEY.map((k) => `${k} = ${KEY_PARAM[k]}`).join(' AND ')}`,
    'AND _supaglue_emitted_at < @run_started_at',
    'AND _supaglue_is_deleted = FALSE',
  ].join('\n');
}
