/**
 * Async jobs (Syncwell extension). A destination connection test is a job: the API answers
 * 202 with a descriptor at once, a Temporal workflow runs the writer's `test()` on a worker,
 * and the descriptor (GET /jobs/{id}) moves queued → running → succeeded | failed.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { NotFoundError, RemoteError } from '../../lib/errors';
import type { JobResponse } from '../../api/schemas/jobs';
import type { DestinationType } from '../../api/schemas/destinations';
import * as repo from '../../db/repositories/jobs';
import type { JobRow } from '../../db/repositories/jobs';
import type { ServiceDeps } from '../deps';
import { getDestinationOrThrow, splitSecrets } from '../destinations/destinations';
import { isUuid } from '../../lib/ids';

export const destinationTestWorkflowId = (jobId: string) => `destination-test:${jobId}`;

export interface DestinationTestInput {
  jobId: string;
  /** How long the writer's test() may take before the job fails (default 60 s). */
  timeoutMs?: number;
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

// --- run by the worker (activities/destination-test.ts) -----------------------------------

const MAX_ERROR_LENGTH = 2000;

/** Every secret string of a full config (length ≥ 4), longest first, for redaction. */
export function secretStrings(type: DestinationType, config: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= 4) out.push(v);
      // PEM keys: redact each line too, in case one line ends up in a message.
      for (const line of v.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) out.push(line);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(splitSecrets(type, config).secrets);
  // api: custom headers and basic auth often carry keys too.
  if (type === 'api') {
    const headers = config.headers;
    if (headers && typeof headers === 'object') for (const v of Object.values(headers)) if (typeof v === 'string' && v.length >= 4) out.push(v);
    const auth = config.auth as { type?: string; username?: string; password?: string } | undefined;
    if (auth?.type === 'basic' && auth.username !== undefined && auth.password !== undefined) {
      out.push(Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
    }
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** A readable, bounded error message with every secret value removed. */
export function readableJobError(err: unknown, secrets: string[]): string {
  let message = err instanceof Error ? err.message : String(err);
  const excerpt = err instanceof RemoteError ? err.bodyExcerpt : undefined;
  if (excerpt && !message.includes(excerpt)) message += `: ${excerpt}`;
  for (const s of secrets) message = message.split(s).join('[redacted]');
  message = message.trim() || 'the connection test failed';
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}
