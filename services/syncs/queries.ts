/** Read side of the sync engine for the API: syncs and the sync-run ledger, paginated. */
import { listSyncRunsPage } from '../../db/repositories/sync-runs';
import { listSyncsPage } from '../../db/repositories/syncs';
import { InvalidInputError } from '../../lib/errors';
import { pageRequest, type Page } from '../../lib/pagination';
import type { ServiceDeps } from '../deps';
import { toSyncResponse } from './commands';
import type { SyncFilters, SyncRunFilters } from './inputs';

/** `>2024-01-01T00:00:00Z` / `<...` as the spec defines the timestamp filters. */
function parseTimeFilter(name: string, raw: string | undefined): { op: '>' | '<'; at: Date } | undefined {
  if (raw === undefined) return undefined;
  const op = raw[0];
  const at = new Date(raw.slice(1));
  if ((op !== '>' && op !== '<') || Number.isNaN(at.getTime())) {
    throw new InvalidInputError(`${name}: must be > or < followed by an ISO 8601 timestamp`, {
      issues: [{ path: name, message: 'expected >ISO or <ISO', code: 'invalid_string' }],
    });
  }
  return { op, at };
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export async function listSyncs(deps: ServiceDeps, applicationId: string, f: SyncFilters): Promise<Page<Record<string, unknown>>> {
  const filters = { customerId: f.customer_id, providerName: f.provider_name, objectType: f.object_type, object: f.object, entityId: f.entity_id };
  return listSyncsPage(deps.db, applicationId, filters, pageRequest(f), (r) => ({
    ...toSyncResponse(r),
    provider_name: r.provider_name,
    customer_id: r.external_id,
  }));
}

export async function listSyncRuns(deps: ServiceDeps, applicationId: string, f: SyncRunFilters): Promise<Page<Record<string, unknown>>> {
  const page = pageRequest(f);
  const started = parseTimeFilter('start_timestamp', f.start_timestamp);
  const ended = parseTimeFilter('end_timestamp', f.end_timestamp);
  const filters = {
    customerId: f.customer_id,
    providerName: f.provider_name,
    objectType: f.object_type,
    object: f.object,
    entityId: f.entity_id,
    status: f.status?.toUpperCase() as 'SUCCESS' | undefined,
    started,
    ended,
  };
  return listSyncRunsPage(deps.db, applicationId, filters, page, (r) => ({
    id: r.id,
    sync_id: r.sync_id,
    // The reference's entity variant: entity_id instead of the object fields.
    ...(r.entity_id ? { entity_id: r.entity_id } : { object_type: r.object_type, object: r.object }),
    error_message: r.error_message,
    start_timestamp: iso(r.start_timestamp),
    end_timestamp: r.end_timestamp ? iso(r.end_timestamp) : null,
    application_id: r.application_id,
    customer_id: r.external_id,
    provider_name: r.provider_name,
    category: r.category,
    connection_id: r.connection_id,
    status: r.status,
    num_records_synced: r.num_records_synced,
  }));
}
