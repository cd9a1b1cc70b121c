/** The API's sync commands: pause, resume and trigger one object or entity sync of a connection. */
import type { SyncRef } from './inputs';
import type { ServiceDeps } from '../deps';
import { findSyncForEntity } from './entities';
import type { SyncRow } from '../../db/repositories/syncs';
import { findSyncForObject, setSyncPaused, triggerSync } from './syncs';

type SyncResponseFields = Pick<SyncRow, 'id' | 'type' | 'object_type' | 'object' | 'entity_id' | 'connection_id' | 'sync_config_id' | 'paused' | 'pause_reason'>;

/** The reference's `sync`: the entity variant carries entity_id and no object fields. */
export function toSyncResponse(s: SyncResponseFields) {
  const common = { id: s.id, connection_id: s.connection_id, sync_config_id: s.sync_config_id, paused: s.paused, pause_reason: s.pause_reason };
  if (s.type === 'entity') return { ...common, type: 'entity' as const, entity_id: s.entity_id ?? '' };
  return { ...common, type: 'object' as const, object_type: s.object_type ?? 'standard', object: s.object ?? '' };
}

/** The API validated that a ref has either entity_id or both object fields. */
const find = (deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: SyncRef) =>
  ref.entity_id !== undefined
    ? findSyncForEntity(deps.db, applicationId, { customerId, providerName, entityId: ref.entity_id })
    : findSyncForObject(deps.db, applicationId, { customerId, providerName, objectType: ref.object_type ?? 'standard', object: ref.object ?? '' });

export async function pauseSync(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: SyncRef) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await setSyncPaused(deps, sync, true));
}

export async function resumeSync(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: SyncRef) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await setSyncPaused(deps, sync, false));
}

export async function triggerSyncRun(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, ref: SyncRef & { perform_full_refresh?: boolean }) {
  const sync = await find(deps, applicationId, customerId, providerName, ref);
  return toSyncResponse(await triggerSync(deps, sync, { fullRefresh: ref.perform_full_refresh ?? false }));
}
