/**
 * The sync lifecycle as the rest of the system sees it. The database is the source
 * of truth; these functions bring Temporal (one Schedule per sync) in line with it.
 * (Placeholder bodies: the sync engine fills them in.)
 */
import type { ServiceDeps } from './deps';

/** Removes the Temporal schedules of syncs whose rows were deleted. Missing schedules are fine. */
export async function deleteSyncSchedules(_deps: ServiceDeps, _syncIds: string[]): Promise<void> {}
