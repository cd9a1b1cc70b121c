/**
 * Async jobs (Syncwell extension). A destination connection test is a job: the API answers
 * 202 with a descriptor at once, a Temporal workflow runs the writer's `test()` on a worker,
 * and the descriptor (GET /jobs/{id}) moves queued → running → succeeded | failed.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { NotFoundError } from '../../lib/errors';
import * as repo from '../../db/repositories/jobs';
import type { JobRow } from '../../db/repositories/jobs';
import type { ServiceDeps } from '../deps';
import type { DestinationTestInput } from './destination-test';
import { getDestinationOrThrow } from '../destinations/destinations';
import { isUuid } from '../../lib/ids';

export const destinationTestWorkflowId = (jobId: string) => `destination-test:${jobId}`;

/** A job as callers see it: `error` only once it failed. */
export interface JobResponse {
  id: string;
  type: JobRow['type'];
  status: JobRow['status'];
  error?: string;
  created_at: string;
  updated_at: string;
  destination_id: string;
}

export function toJobResponse(row: JobRow): JobResponse {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    ...(row.error !== null && row.status === 'failed' ? { error: row.error } : {}),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    destination_id: row.destination_id ?? '',
  };
}

export async function getJob(deps: ServiceDeps, applicationId: string, jobId: string): Promise<JobResponse> {
  const row = isUuid(jobId) ? await repo.findJob(deps.db, applicationId, jobId) : undefined;
  if (!row) throw new NotFoundError('Job', `Job ${jobId} not found`);
  return toJobResponse(row);
}

/** Queues a connection test of the destination and starts its workflow; returns the queued descriptor. */
export async function startDestinationTest(deps: ServiceDeps, applicationId: string, destinationId: string): Promise<JobResponse> {
  if (!isUuid(destinationId)) throw new NotFoundError('Destination', `Destination ${destinationId} not found`);
  const destination = await getDestinationOrThrow(deps, applicationId, destinationId);
  const job = await repo.insertDestinationTestJob(deps.db, {
    application_id: applicationId,
    destination_id: destination.id,
    destination_version: destination.version,
  });
  try {
    await deps.temporal.client.workflow.start('destinationTestWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: destinationTestWorkflowId(job.id),
      args: [{ jobId: job.id } satisfies DestinationTestInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // A test nobody picks up within the hour is not worth running any more.
      workflowExecutionTimeout: '1 hour',
    });
  } catch (err) {
    // Never leave a job queued forever: it could not start.
    await repo.finishJob(deps.db, job.id, { status: 'failed', error: 'the connection test could not be started; try again' });
    throw err;
  }
  return toJobResponse(job);
}
