/** Read side of the sync engine for the API: syncs and the sync-run ledger, paginated. */
import { sql, type Expression, type SqlBool } from 'kysely';
import { InvalidInputError } from '../../lib/errors';
import { buildPage, decodeCursor, pageSize, type Page } from '../../api/pagination';
import type { ServiceDeps } from '../deps';
import { toSyncResponse } from './commands';

interface CommonFilters {
  cursor?: string;
  page_size?: string;
  customer_id?: string;
  provider_name?: string;
  object_type?: 'common' | 'standard' | 'custom';
  object?: string;
  entity_id?: string;
}

export interface SyncRunFilters extends CommonFilters {
  status?: string;
  start_timestamp?: string;
  end_timestamp?: string;
}

/** `>2024-01-01T00:00:00Z` / `<...` as the spec defines the timestamp filters. */
function parseTimeFilter(name: string, raw: string | undefined): { op: '>' | '<'; at: Date } | undefined {
  if (raw === undefined) return undefined;
  const op = raw[0];
  const at = new Date(raw.slice(1));
  if ((op !== '>' && op !== '<') || Number.isNaN(at.getTime())) {
    throw new InvalidInputError(`${name}: must be > or < followed by an ISO 8601 timestamp`, { issues: [{ path: name, message: 'expected >ISO or <ISO', code: 'invalid_string' }] });
  }
  return { op, at };
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

/** Microsecond-exact text of a timestamptz column: JS Dates keep only ms, which would break keyset paging. */
const exactTime = (col: string) => sql<string>`to_char(${sql.ref(col)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function listSyncs(deps: ServiceDeps, applicationId: string, f: CommonFilters): Promise<Page<Record<string, unknown>>> {
  const size = pageSize(f.page_size);
  const cursor = decodeCursor(f.cursor);
  let base = deps.db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .where('syncs.application_id', '=', applicationId);
  if (f.customer_id) base = base.where('customers.external_id', '=', f.customer_id);
  if (f.provider_name) base = base.where('connections.provider_name', '=', f.provider_name);
  if (f.object_type) base = base.where('syncs.object_type', '=', f.object_type);
  if (f.object) base = base.where('syncs.object', '=', f.object);
  if (f.entity_id) base = base.where(sql<SqlBool>`syncs.entity_id::text = ${f.entity_id}`);

  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const forward = cursor?.dir !== 'prev';
  let q = base.selectAll('syncs').select(['connections.provider_name', 'customers.external_id', exactTime('syncs.created_at').as('sort_key')]);
  if (cursor) {
    const [ts, id] = cursor.key;
    const cmp = forward ? sql`>` : sql`<`;
    q = q.where(sql<SqlBool>`(syncs.created_at, syncs.id) ${cmp} (${ts}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('syncs.created_at', forward ? 'asc' : 'desc')
    .orderBy('syncs.id', forward ? 'asc' : 'desc')
    .limit(size + 1)
    .execute();
  return buildPage(rows, size, cursor, Number(total.n), (r) => [r.sort_key, r.id], (r) => ({
    ...toSyncResponse(r),
    provider_name: r.provider_name,
    customer_id: r.external_id,
  }));
}

export async function listSyncRuns(deps: ServiceDeps, applicationId: string, f: SyncRunFilters): Promise<Page<Record<string, unknown>>> {
  const size = pageSize(f.page_size);
  const cursor = decodeCursor(f.cursor);
  const started = parseTimeFilter('start_timestamp', f.start_timestamp);
  const ended = parseTimeFilter('end_timestamp', f.end_timestamp);
  let base = deps.db
    .selectFrom('sync_runs')
    .innerJoin('customers', 'customers.id', 'sync_runs.customer_id')
    .where('sync_runs.application_id', '=', applicationId);
  if (f.customer_id) base = base.where('customers.external_id', '=', f.customer_id);
  if (f.provider_name) base = base.where('sync_runs.provider_name', '=', f.provider_name);
  if (f.object_type) base = base.where('sync_runs.object_type', '=', f.object_type);
  if (f.object) base = base.where('sync_runs.object', '=', f.object);
  if (f.entity_id) base = base.where(sql<SqlBool>`sync_runs.entity_id::text = ${f.entity_id}`);
  if (f.status) base = base.where('sync_runs.status', '=', f.status.toUpperCase() as 'SUCCESS');
  const timeFilter = (col: Expression<unknown>, t: { op: '>' | '<'; at: Date }) => sql<SqlBool>`${col} ${sql.raw(t.op)} ${t.at}`;
  if (started) base = base.where(timeFilter(sql.ref('sync_runs.start_timestamp'), started));
  if (ended) base = base.where(timeFilter(sql.ref('sync_runs.end_timestamp'), ended));

  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  // Newest first; a "next" page goes back in time.
  const forward = cursor?.dir !== 'prev';
  let q = base.selectAll('sync_runs').select(['customers.external_id', exactTime('sync_runs.start_timestamp').as('sort_key')]);
  if (cursor) {
    const [ts, id] = cursor.key;
    const cmp = forward ? sql`<` : sql`>`;
    q = q.where(sql<SqlBool>`(sync_runs.start_timestamp, sync_runs.id) ${cmp} (${ts}::timestamptz, ${id}::uuid)`);
  }
  const rows = await q
    .orderBy('sync_runs.start_timestamp', forward ? 'desc' : 'asc')
    .orderBy('sync_runs.id', forward ? 'desc' : 'asc')
    .limit(size + 1)
    .execute();
  return buildPage(rows, size, cursor, Number(total.n), (r) => [r.sort_key, r.id], (r) => ({
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
