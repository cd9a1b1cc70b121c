/** Records as gzip NDJSON lines carrying the same fields as the Postgres destination's columns. */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { DestinationRecord, WriteTarget } from '../types';

const gzipAsync = promisify(gzip);

export interface SupaglueRow {
  _supaglue_application_id: string;
  _supaglue_provider_name: string;
  _supaglue_customer_id: string;
  _supaglue_id: string;
  _supaglue_emitted_at: string;
  _supaglue_last_modified_at: string | null;
  _supaglue_is_deleted: boolean;
  _supaglue_raw_data: Record<string, unknown>;
  _supaglue_mapped_data: Record<string, unknown>;
  _supaglue_unified_data?: Record<string, unknown> | null;
}

export function toRow(target: WriteTarget, record: DestinationRecord): SupaglueRow {
  const row: SupaglueRow = {
    _supaglue_application_id: target.applicationId,
    _supaglue_provider_name: target.providerName,
    _supaglue_customer_id: target.customerId,
    _supaglue_id: record.id,
    _supaglue_emitted_at: record.emittedAt.toISOString(),
    _supaglue_last_modified_at: record.lastModifiedAt ? record.lastModifiedAt.toISOString() : null,
    _supaglue_is_deleted: record.isDeleted,
    _supaglue_raw_data: record.raw,
    _supaglue_mapped_data: record.mapped,
  };
  if (target.objectType === 'common') row._supaglue_unified_data = record.unified ?? null;
  return row;
}

export function toNdjson(target: WriteTarget, records: DestinationRecord[]): string {
  return records.map((r) => JSON.stringify(toRow(target, r)) + '\n').join('');
}

export async function toGzipNdjson(target: WriteTarget, records: DestinationRecord[]): Promise<Buffer> {
  return gzipAsync(Buffer.from(toNdjson(target, records), 'utf8'));
}
