/**
 * A connection verify job, workflow id `connection-verify:<job id>`: one activity checks the stored
 * credentials live and records the outcome on the job and the connection; if no attempt could (worker
 * lost every time, database down), that is recorded rather than the job left running.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ConnectionJobActivities, ConnectionJobInput } from '../activities/connection-jobs';
import { failureDetail } from './connection-failures';

const verify = proxyActivities<ConnectionJobActivities>({
  // The live check has 15 s; the rest is the database and the sync reconcile once live.
  startToCloseTimeout: '2 minutes',
  // Must match VERIFY_ATTEMPTS: the last attempt records a transient failure instead of throwing.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
});

const bookkeeping = proxyActivities<ConnectionJobActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 30 },
});

export async function connectionVerifyWorkflow(input: ConnectionJobInput): Promise<'succeeded' | 'failed'> {
  try {
    return await verify.verifyConnection(input);
  } catch (err) {
    await bookkeeping.failConnectionVerify({ ...input, error: `the verification did not complete (${failureDetail(err)}); verify again` });
    return 'failed';
  }
}
