/**
 * A connection delete job, workflow id `connection-delete:<job id>`: the syncs' schedules are removed
 * first so no run starts, then a run in progress is waited for (polled, so a long run costs no worker),
 * then the connection is deleted with its event. A run still going after MAX_WAIT is not waited for
 * further: it fails on its own once its connection is gone.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { ConnectionJobActivities, ConnectionJobInput } from '../activities/connection-jobs';
import { failureDetail } from './connection-failures';

const steps = proxyActivities<ConnectionJobActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

const bookkeeping = proxyActivities<ConnectionJobActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 30 },
});

const POLL_MS = 2_000;
const MAX_WAIT_MS = 30 * 60_000;

export async function connectionDeleteWorkflow(input: ConnectionJobInput): Promise<'succeeded' | 'failed'> {
  try {
    await steps.stopConnectionSchedules(input);
    for (let waited = 0; waited < MAX_WAIT_MS && !(await steps.connectionRunsStopped(input)); waited += POLL_MS) await sleep(POLL_MS);
    await steps.finishConnectionDelete(input);
    return 'succeeded';
  } catch (err) {
    await bookkeeping.failConnectionDelete({ ...input, error: `the delete did not complete (${failureDetail(err)}); delete again` });
    return 'failed';
  }
}
