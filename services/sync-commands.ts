/** The API's sync commands: pause, resume and trigger one object sync of a connection. */
import type { ServiceDeps } from './deps';
import { findSyncForObject, setSyncPaused, triggerSync, type SyncRow } from './syncs';

type ObjectRef = { object_type: 'common' | 'standard' | 'custom'; object: string };

export function toSyncResponse(s: SyncRow) {
  return {
    id: s.id,
    type: s.type,
    object_type: s.object_type,
    object: s.object,
    connection_id: s.connection_id,
    sync_config_id: s.sync_config_id,
    paused: s.paused,
    pause_reason: s.pause_reason,
  };
}

const find = (deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: ObjectRef) =>
  findSyncForObject(deps.db, applicationId, { customerId, providerName, objectType: ref.object_type, object: ref.object });

export async function pauseSync(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: ObjectRef) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await setSyncPaused(deps, sync, true));
}

export async function resumeSync(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: ObjectRef) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await setSyncPaused(deps, sync, false));
}

export async function triggerSyncRun(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: ObjectRef & { perform_full_refresh?: boolean }) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await triggerSync(deps, sync, { fullRefresh: ref.perform_full_refresh ?? false }));
}
