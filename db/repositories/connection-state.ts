/** What a connection's state (bookmarks) needs beyond the syncs repository: runs per sync, row locks. */
import type { Db } from '../connection';

/** The newest run of each of these syncs. */
export function latestRunsOfSyncs(db: Db, syncIds: string[]) {
  if (syncIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('sync_runs')
    .select(['id', 'sync_id', 'status', 'strategy', 'start_timestamp', 'end_timestamp', 'num_records_synced', 'error_message'])
    .distinctOn('sync_id')
    .where('sync_id', 'in', syncIds)
    .orderBy('sync_id')
    .orderBy('start_timestamp', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * Locks these syncs' rows until the transaction ends (in id order, so two callers never deadlock) and
 * answers their states: a run's end, which also locks the row, then reads what was set here.
 */
export async function lockSyncStates(trx: Db, syncIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (syncIds.length === 0) return new Map();
  const rows = await trx.selectFrom('syncs').select(['id', 'state']).where('id', 'in', syncIds).orderBy('id').forUpdate().execute();
  return new Map(rows.map((r) => [r.id, r.state]));
}

export function inProgressRunsOfSyncs(db: Db, syncIds: string[]) {
  if (syncIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('sync_runs').select(['id', 'sync_id']).where('sync_id', 'in', syncIds).where('status', '=', 'IN_PROGRESS').execute();
}
