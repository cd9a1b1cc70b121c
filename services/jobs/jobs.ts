/**
 * Async jobs (Syncwell extension). A destination connection test is a job: the API answers
 * 202 with a descriptor at once, a Temporal workflow runs the writer's `test()` on a worker,
 * and the descriptor (GET /jobs/{id}) moves queued → running → succeeded | failed.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { NotFoundError } from '../../lib/errors';
import * as repo from '../../db/repositories/jobs';
import type { JobRow } from '../../db/repositories/jobs';
import type { WriteJobSpec } from '../../db/database';
import type { ServiceDeps } from '../deps';
import type { DestinationTestInput } from './destination-test';
import { getDestinationOrThrow } from '../destinations/destinations';
import { isUuid } from '../../lib/ids';
import { findConnectionById } from '../../db/repositories/connections';

export const destinationTestWorkflowId = (jobId: string) => `destination-test:${jobId}`;

/** What a write job writes, and how far it got. */
export interface WriteJobView extends WriteJobSpec {
  customer_id: string;
  provider_name: string;
  records_total: number;
  records_succeeded: number;
  records_failed: number;
  records_unknown: number;
  /** Not written yet (or, once the job failed, never written). */
  records_pending: number;
}

/** A job as callers see it: `error` only once it failed; `destination_id` for destination tests, `write` for write jobs. */
export interface JobResponse {
  id: string;
  type: JobRow['type'];
  status: JobRow['status'];
  error?: string;
  created_at: string;
  updated_at: string;
  destination_id?: string;
  write?: WriteJobView;
  /** connection_verify and connection_delete: the connection the job is about. */
  connection?: { customer_id: string; provider_name: string; integration_id: string };
}

export function toJobResponse(row: JobRow, connection?: { external_customer_id: string; provider_name: string }): JobResponse {
  const spec = row.write_spec;
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    ...(row.error !== null && row.status === 'failed' ? { error: row.error } : {}),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    ...(row.destination_id !== null ? { destination_id: row.destination_id } : {}),
    ...(row.subject ? { connection: { customer_id: row.subject.external_customer_id, provider_name: row.subject.provider_name, integration_id: row.subject.integration_id } } : {}),
    ...(spec && connection
      ? {
          write: {
            customer_id: connection.external_customer_id,
            provider_name: connection.provider_name,
            ...spec,
            records_total: row.records_total,
            records_succeeded: row.records_succeeded,
            records_failed: row.records_failed,
            records_unknown: row.records_unknown,
            records_pending: row.records_total - row.records_succeeded - row.records_failed - row.records_unknown,
          },
        }
      : {}),
  };
}

export async function getJob(deps: ServiceDeps, applicationId: string, jobId: string): Promise<JobResponse> {
  const row = isUuid(jobId) ? await repo.findJob(deps.db, applicationId, jobId) : undefined;
  if (!row) throw new NotFoundError('Job', `Job ${jobId} not found`);
  const connection = row.connection_id ? await findConnectionById(deps.db, applicationId, row.connection_id) : undefined;
  return toJobResponse(row, connection);
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
