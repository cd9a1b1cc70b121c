import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { SystemActivities } from '../activities/system';

const { checkDatabase } = proxyActivities<SystemActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface SystemCheckResult {
  applications: number;
  databaseTime: string;
}

/** End-to-end probe of the worker: Temporal → activity → Postgres. Optional delay exercises durable timers. */
export async function systemCheckWorkflow(input: { delay?: Duration } = {}): Promise<SystemCheckResult> {
  if (input.delay) await sleep(input.delay);
  return checkDatabase();
}
