/**
 * Deleting a connection as a job (the integrations API's DELETE, /mgmt/v2 `DELETE ...?async=true`):
 * the connection is `deleting` at once and a Temporal workflow (`connection-delete:<job id>`) stops and
 * removes its syncs' schedules, waits for a run in progress to end, then deletes the connection (its
 * syncs cascade) with its `connection.deleted` event, as the synchronous delete does.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { findConnectionById, listSyncIdsForConnection, type ConnectionWithCustomer } from '../../db/repositories/connections';
import * as integrationsRepo from '../../db/repositories/integrations';
import * as jobsRepo from '../../db/repositories/jobs';
import { ConflictError } from '../../lib/errors';
import type { ServiceDeps } from '../deps';
import { toJobResponse, type JobResponse } from '../jobs/jobs';
import { deleteSyncSchedule } from '../orchestration/sync-schedules';
import { removeConnection } from './connections';
import { connectionJobSubject, type ConnectionJobInput } from './verify';

export const connectionDeleteWorkflowId = (jobId: string) => `connection-delete:${jobId}`;

export async function startConnectionDelete(deps: ServiceDeps, applicationId: string, connection: ConnectionWithCustomer): Promise<JobResponse> {
  const job = await deps.db.transaction().execute(async (trx) => {
    const moved = await integrationsRepo.setIntegrationState(trx, connection.id, 'deleting', null, ['new', 'verifying', 'live', 'failed']);
    if (!moved) throw new ConflictError(`The ${connection.provider_name} connection of customer ${connection.external_customer_id} is already being deleted`);
    return integrationsRepo.insertConnectionJob(trx, { application_id: applicationId, type: 'connection_delete', subject: connectionJobSubject(connection) });
  });
  try {
    await deps.temporal.client.workflow.start('connectionDeleteWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: connectionDeleteWorkflowId(job.id),
      args: [{ jobId: job.id } satisfies ConnectionJobInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    await failConnectionDeleteJob(deps, { jobId: job.id, error: 'the delete could not be started; try again' });
    throw err;
  }
  return toJobResponse(job);
}

async function connectionOfJob(deps: ServiceDeps, jobId: string) {
  const job = await jobsRepo.findJobById(deps.db, jobId);
  const connection = job?.subject ? await findConnectionById(deps.db, job.application_id, job.subject.connection_id) : undefined;
  return { job, connection };
}

/** Step 1: no new run starts. Schedules already gone are fine; a Temporal failure is thrown for a retry. */
export async function stopConnectionSchedules(deps: ServiceDeps, input: ConnectionJobInput): Promise<void> {
  await jobsRepo.markJobRunning(deps.db, input.jobId);
  const { connection } = await connectionOfJob(deps, input.jobId);
  if (!connection) return;
  for (const id of await listSyncIdsForConnection(deps.db, connection.application_id, connection.id)) await deleteSyncSchedule(deps.temporal.client, id);
}

/** Step 2, polled by the workflow: whether no run of the connection is in progress. */
export async function connectionRunsStopped(deps: ServiceDeps, input: ConnectionJobInput): Promise<boolean> {
  const { connection } = await connectionOfJob(deps, input.jobId);
  return !connection || (await integrationsRepo.countRunningSyncRuns(deps.db, connection.id)) === 0;
}

/** Step 3: the delete and its event (removeConnection removes any schedule the reconciler re-created meanwhile). */
export async function finishConnectionDelete(deps: ServiceDeps, input: ConnectionJobInput): Promise<void> {
  const { job, connection } = await connectionOfJob(deps, input.jobId);
  if (job && connection) await removeConnection(deps, job.application_id, connection);
  await jobsRepo.finishJob(deps.db, input.jobId, { status: 'succeeded', error: null });
}

/** The delete could not complete: the job says why, and the connection is usable again (`failed`, with that reason). */
export async function failConnectionDeleteJob(deps: ServiceDeps, input: ConnectionJobInput & { error: string }): Promise<void> {
  const job = await jobsRepo.finishJob(deps.db, input.jobId, { status: 'failed', error: input.error });
  if (job?.subject) await integrationsRepo.setIntegrationState(deps.db, job.subject.connection_id, 'failed', input.error, ['deleting']);
}
