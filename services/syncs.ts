/**
 * The sync lifecycle as the rest of the system sees it. The database is the source
 * of truth; these functions bring Temporal (one Schedule per sync) in line with it.
 * (Placeholder bodies: the sync engine fills them in.)
 */
import type { ServiceDeps } from './deps';

/** Removes the Temporal schedules of syncs whose rows were deleted. Missing schedules are fine. */
export async function deleteSyncSchedules(_deps: ServiceDeps, _syncIds: string[]): Promise<void> {}

/**
 * Brings a connection's syncs in line with its sync config (and connection sync config):
 * creates missing sync rows, removes ones no longer configured, starts them when
 * auto_start_on_connection. Called after connection create / connection sync config changes commit.
 * (Placeholder added by the connections API; the sync engine implements it.)
 */
export async function reconcileConnectionSyncs(_deps: ServiceDeps, _applicationId: string, _connectionId: string): Promise<void> {}

/**
 * Brings the syncs of every connection using a sync config in line with it, after the
 * sync config was created or updated. (Placeholder added by the sync configs API; the sync engine implements it.)
 */
export async function reconcileSyncConfigSyncs(_deps: ServiceDeps, _applicationId: string, _syncConfigId: string): Promise<void> {}
