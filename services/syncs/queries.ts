/** Read side of the sync engine for the API: syncs and the sync-run ledger, paginated. */
import { sql, type Expression, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { InvalidInputError } from '../../lib/errors';
import { buildPage, pageRequest, type Cursor, type Page } from '../../lib/pagination';
import type { ServiceDeps } from '../deps';
import { toSyncResponse } from './commands';
import type { SyncFilters, SyncRunFilters } from './inputs';

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

/** A list's keyset order: a timestamptz column, the row id breaking ties, and which way the first page runs. */
interface Keyset {
  at: string;
  id: string;
  newestFirst: boolean;
}

/**
 * One page of `rows` in `order`: the rows past the cursor's edge row, plus one to tell whether there
 * are more. A "prev" page reads backwards from its edge row; buildPage puts it back in order.
 */
async function keysetPage<DB, TB extends keyof DB, O extends { id: string }, T>(
  rows: SelectQueryBuilder<DB, TB, O>,
  order: Keyset,
  page: { size: number; cursor: Cursor | undefined },
  totalCount: number,
  shape: (row: O) => T,
): Promise<Page<T>> {
  const { size, cursor } = page;
  const ascending = (cursor?.dir !== 'prev') !== order.newestFirst;
  // $castTo: TypeScript cannot resolve a selection's type on a generic query.
  let q = rows.select(exactTime(order.at).as('sort_key')).$castTo<O & { sort_key: string }>();
  if (cursor) {
    const [ts, id] = cursor.key;
    const cmp = ascending ? sql`>` : sql`<`;
    q = q.where(sql<SqlBool>`(${sql.ref(order.at)}, ${sql.ref(order.id)}) ${cmp} (${ts}::timestamptz, ${id}::uuid)`);
  }
  const direction = ascending ? 'asc' : 'desc';
  const fetched = await q.orderBy(sql.ref(order.at), direction).orderBy(sql.ref(order.id), direction).limit(size + 1).execute();
  return buildPage(fetched, size, cursor, totalCount, (r) => [r.sort_key, r.id], shape);
}

export async function listSyncs(deps: ServiceDeps, applicationId: string, f: SyncFilters): Promise<Page<Record<string, unknown>>> {
  const page = pageRequest(f);
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
  const rows = base.selectAll('syncs').select(['connections.provider_name', 'customers.external_id']);
  return keysetPage(rows, { at: 'syncs.created_at', id: 'syncs.id', newestFirst: false }, page, Number(total.n), (r) => ({
    ...toSyncResponse(r),
    provider_name: r.provider_name,
    customer_id: r.external_id,
  }));
}

export async function listSyncRuns(deps: ServiceDeps, applicationId: string, f: SyncRunFilters): Promise<Page<Record<string, unknown>>> {
  const page = pageRequest(f);
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
  const rows = base.selectAll('sync_runs').select('customers.external_id');
  return keysetPage(rows, { at: 'sync_runs.start_timestamp', id: 'sync_runs.id', newestFirst: true }, page, Number(total.n), (r) => ({
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
