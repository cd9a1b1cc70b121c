import { proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile';

const { reconcileSyncSchedules } = proxyActivities<ReconcileActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: undefined,
  retry: { maximumAttempts: 3 },
});

/** Run by the `syncwell:reconciler` schedule: Temporal schedules follow the database. */
export async function reconcileSchedulesWorkflow(): Promise<{ upserted: number; deleted: number }> {
  return reconcileSyncSchedules();
}
