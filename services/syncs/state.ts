/**
 * A connection's state (Syncwell extension, Hotglue's connector state): per object sync, the bookmark
 * its next run reads from — the incremental cursor and the records known at exactly that instant —
 * read from and written to `syncs.state`, the state the engine itself plans runs from.
 *
 * Bookmarks are keyed by object name; when two of the connection's objects share a name (a common
 * `contact` and a standard `contact`), the standard one keeps the name and the others are keyed
 * `<object_type>/<name>` (`common/contact`). `<object_type>/<name>` is accepted for every object.
 *
 * Setting or deleting never races a run: the syncs' rows are locked and a sync with a run in progress
 * is refused (409 naming the run), so the run's end cannot overwrite what was set.
 */
import * as stateRepo from '../../db/repositories/connection-state';
import { listObjectSyncsOfConnection, setSyncState, type SyncRow } from '../../db/repositories/syncs';
import { ConflictError, NotFoundError, SchemaValidationError, type FieldIssue } from '../../lib/errors';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import type { ServiceDeps } from '../deps';
import { loadSyncContext } from './context';
import { bookmarkKeys } from './bookmark-keys';
import { chooseRunStrategy, type ObjectType, type SyncState } from './plan';
import { setConnectionStateSchema, type SetConnectionStateInput } from './state-inputs';

export type { SetConnectionStateInput };

export interface BookmarkRun {
  id: string;
  status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILURE';
  strategy: 'full' | 'incremental';
  started_at: string;
  ended_at: string | null;
  num_records_synced: number;
  error_message: string | null;
}

export interface Bookmark {
  object_type: ObjectType;
  object: string;
  /** ISO: the incremental lower bound (inclusive) the next incremental run reads from; null: none, the next run is full. */
  cursor: string | null;
  /** Records at exactly the cursor the last run committed: the next run skips them if unchanged. */
  boundary_records?: number;
  /** A full refresh was requested and no full run has satisfied it yet. */
  full_refresh_pending?: boolean;
  /** What the next run will be, from this state and the sync's strategy. */
  next_run_strategy: 'full' | 'incremental';
  last_full_sync_at?: string;
  /** The sync's newest run. */
  last_run?: BookmarkRun;
}

export interface ConnectionState {
  bookmarks: Record<string, Bookmark>;
}

type ObjectSync = SyncRow & { object_type: ObjectType; object: string };

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

async function objectSyncsOf(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<ObjectSync[]> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const syncs = await listObjectSyncsOfConnection(deps.db, connection.id);
  return syncs
    .filter((s): s is ObjectSync => s.object_type !== null && s.object !== null)
    .sort((a, b) => a.object.localeCompare(b.object) || a.object_type.localeCompare(b.object_type));
}

export async function getConnectionState(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<ConnectionState> {
  const syncs = await objectSyncsOf(deps, applicationId, customerId, providerName);
  const { keyOf } = bookmarkKeys(syncs);
  const runs = new Map(
    (
      await stateRepo.latestRunsOfSyncs(
        deps.db,
        syncs.map((s) => s.id),
      )
    ).map((r) => [r.sync_id, r]),
  );
  const bookmarks: Record<string, Bookmark> = {};
  for (const s of syncs) {
    const ctx = await loadSyncContext(deps.db, s.id);
    if (!ctx) continue; // deleted meanwhile
    const state = ctx.state;
    const run = runs.get(s.id);
    bookmarks[keyOf.get(s.id)!] = {
      object_type: s.object_type,
      object: s.object,
      cursor: state.cursor ?? null,
      ...(state.cursor ? { boundary_records: Object.keys(state.cursor_records ?? {}).length } : {}),
      full_refresh_pending: !!state.full_refresh_requested,
      next_run_strategy: chooseRunStrategy(ctx.strategy, state),
      ...(state.last_full_sync_at ? { last_full_sync_at: state.last_full_sync_at } : {}),
      ...(run
        ? {
            last_run: {
              id: run.id,
              status: run.status,
              strategy: run.strategy,
              started_at: iso(run.start_timestamp),
              ended_at: run.end_timestamp ? iso(run.end_timestamp) : null,
              num_records_synced: Number(run.num_records_synced),
              error_message: run.error_message,
            },
          }
        : {}),
    };
  }
  return { bookmarks };
}

/**
 * Applies `change` to the states of these syncs in one transaction, after refusing (409) when any
 * of them has a run in progress: that run's end would overwrite the change.
 */
async function changeStates(deps: ServiceDeps, targets: Array<{ sync: ObjectSync; key: string }>, change: (state: SyncState, sync: ObjectSync) => SyncState): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const states = await stateRepo.lockSyncStates(
      trx,
      targets.map((t) => t.sync.id),
    );
    const running = await stateRepo.inProgressRunsOfSyncs(
      trx,
      targets.map((t) => t.sync.id),
    );
    if (running.length > 0) {
      const what = running.map((r) => {
        const key = targets.find((t) => t.sync.id === r.sync_id)!.key;
        return `${key} (run ${r.id})`;
      });
      throw new ConflictError(`A run is in progress for ${what.join(', ')}; change its state after the run ends`, { summary: 'Sync run in progress' });
    }
    const at = new Date();
    for (const t of targets) {
      const current = states.get(t.sync.id);
      if (current === undefined) continue; // deleted meanwhile
      await setSyncState(trx, t.sync.id, change(current as SyncState, t.sync), at);
    }
  });
}

/**
 * Sets the cursor of the given objects: their next run is incremental from it (inclusive), with no
 * boundary records known, and any pending full refresh is withdrawn. Objects left out keep their state.
 * 400 names each bad key or field; 409 when an object's sync has a run in progress.
 */
export async function setConnectionState(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  input: SetConnectionStateInput,
): Promise<ConnectionState> {
  const parsed = setConnectionStateSchema.safeParse(input);
  if (!parsed.success) {
    throw new SchemaValidationError(
      'json',
      parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code })),
    );
  }
  const syncs = await objectSyncsOf(deps, applicationId, customerId, providerName);
  const { keyOf, byKey } = bookmarkKeys(syncs);
  const known = syncs.map((s) => keyOf.get(s.id)).join(', ') || 'none';
  const issues: FieldIssue[] = [];
  const targets: Array<{ sync: ObjectSync; key: string; cursor: string }> = [];
  for (const [key, b] of Object.entries(parsed.data.bookmarks)) {
    const sync = byKey.get(key);
    if (!sync) {
      issues.push({ path: `bookmarks.${key}`, message: `"${key}" is not an object this connection syncs (objects: ${known})`, code: 'unknown_object' });
      continue;
    }
    if (b.object_type !== undefined && b.object_type !== sync.object_type) {
      issues.push({ path: `bookmarks.${key}.object_type`, message: `"${key}" is a ${sync.object_type} object, not ${b.object_type}`, code: 'invalid_value' });
    }
    if (b.object !== undefined && b.object !== sync.object) {
      issues.push({ path: `bookmarks.${key}.object`, message: `"${key}" is the object ${sync.object}, not ${b.object}`, code: 'invalid_value' });
    }
    const ctx = await loadSyncContext(deps.db, sync.id);
    if (ctx?.strategy.strategy === 'full only') {
      issues.push({ path: `bookmarks.${key}`, message: `"${key}" syncs with strategy "full only": every run reads everything, a cursor would never be read`, code: 'full_only' });
    }
    targets.push({ sync, key: keyOf.get(sync.id)!, cursor: new Date(b.cursor).toISOString() });
  }
  if (issues.length > 0) throw new SchemaValidationError('json', issues, { summary: 'Invalid connection state' });
  const cursorOf = new Map(targets.map((t) => [t.sync.id, t.cursor]));
  await changeStates(deps, targets, (state, sync) => {
    const { full_refresh_request_id: _withdrawn, ...rest } = state;
    return { ...rest, cursor: cursorOf.get(sync.id)!, cursor_records: {}, full_refresh_requested: false };
  });
  return getConnectionState(deps, applicationId, customerId, providerName);
}

/**
 * Deletes the state of the given objects (all of the connection's when none are given): their
 * cursor and boundary records are cleared, so their next run is full. 404 for an object the
 * connection does not sync; 409 when an object's sync has a run in progress.
 */
export async function deleteConnectionState(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  objects?: Array<{ object_type: ObjectType; object: string }>,
): Promise<ConnectionState> {
  const syncs = await objectSyncsOf(deps, applicationId, customerId, providerName);
  const { keyOf } = bookmarkKeys(syncs);
  const chosen = objects
    ? objects.map((o) => {
        const sync = syncs.find((s) => s.object_type === o.object_type && s.object === o.object);
        if (!sync) throw new NotFoundError('Sync', `No ${o.object_type} object sync of "${o.object}" for customer ${customerId} and provider ${providerName}`);
        return sync;
      })
    : syncs;
  await changeStates(
    deps,
    chosen.map((sync) => ({ sync, key: keyOf.get(sync.id)! })),
    (state) => ({ ...state, cursor: null, cursor_records: {} }),
  );
  return getConnectionState(deps, applicationId, customerId, providerName);
}
