import type { ServiceDeps } from '../services/deps';
import { reconcileAllSyncSchedules } from '../services/orchestration/reconciler';

export function createReconcileActivities(deps: ServiceDeps) {
  return {
    /** Repairs drift between the syncs table and Temporal schedules (idempotent). */
    async reconcileSyncSchedules(): Promise<{ upserted: number; deleted: number }> {
      return reconcileAllSyncSchedules(deps);
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
