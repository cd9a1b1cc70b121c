/** The connection verify and delete jobs' activities: adapters over services/connections/verify and connection-delete-job. */
import { Context } from '@temporalio/activity';
import type { ServiceDeps } from '../services/deps';
import { connectionRunsStopped, failConnectionDeleteJob, finishConnectionDelete, stopConnectionSchedules } from '../services/connections/connection-delete-job';
import { failConnectionVerifyJob, runConnectionVerifyJob, type ConnectionJobInput } from '../services/connections/verify';

export type { ConnectionJobInput };

/** The verify workflow's retry policy's attempts; the last one records a transient failure instead of throwing. */
export const VERIFY_ATTEMPTS = 3;

export function createConnectionJobActivities(deps: ServiceDeps) {
  return {
    verifyConnection: (input: ConnectionJobInput): Promise<'succeeded' | 'failed'> =>
      runConnectionVerifyJob(deps, input, { retriesLeft: Context.current().info.attempt < VERIFY_ATTEMPTS }),
    failConnectionVerify: (input: ConnectionJobInput & { error: string }): Promise<void> => failConnectionVerifyJob(deps, input),
    stopConnectionSchedules: (input: ConnectionJobInput): Promise<void> => stopConnectionSchedules(deps, input),
    connectionRunsStopped: (input: ConnectionJobInput): Promise<boolean> => connectionRunsStopped(deps, input),
    finishConnectionDelete: (input: ConnectionJobInput): Promise<void> => finishConnectionDelete(deps, input),
    failConnectionDelete: (input: ConnectionJobInput & { error: string }): Promise<void> => failConnectionDeleteJob(deps, input),
  };
}

export type ConnectionJobActivities = ReturnType<typeof createConnectionJobActivities>;
