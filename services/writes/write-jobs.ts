/**
 * Write jobs (extension): many records written to a connection's provider by a Temporal workflow
 * (write-job-runner.ts does the work), in the provider's batch sizes and within the connection's
 * rate limits. The API answers 202 with a job descriptor; `GET /jobs/{id}` shows its counts and
 * `GET /jobs/{id}/results` each record's outcome.
 */
import { TypedSearchAttributes, WorkflowIdReusePolicy } from '@temporalio/common';
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import { isUuid } from '../../lib/ids';
import { searchAttributes } from '../../lib/search-attributes';
import * as jobsRepo from '../../db/repositories/jobs';
import * as repo from '../../db/repositories/write-jobs';
import type { ServiceDeps } from '../deps';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import type { WriteJobInput } from './inputs';
import { openWritableProvider } from './target';

export const writeJobWorkflowId = (jobId: string) => `write-job:${jobId}`;

export interface WriteJobInputRef {
  jobId: string;
}

/** Checks the connection can write, stores the job and its records, and starts its workflow. Returns the job id. */
export async function startWriteJob(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, input: WriteJobInput): Promise<string> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  // Refuses at once a provider that cannot write, rather than a job that fails later.
  await openWritableProvider(deps, applicationId, connection);
  const records = input.records.map((record) => {
    if (input.operation !== 'update') return { record, record_id: null };
    const { id, ...fields } = record;
    return { record: fields, record_id: String(id) };
  });
  const spec = { object_type: input.object_type, object: input.object, operation: input.operation, ...(input.match ? { match_field: input.match.field } : {}) };
  const job = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.insertWriteJob(trx, { application_id: applicationId, connection_id: connection.id, write_spec: spec, records_total: records.length });
    await repo.insertWriteJobRecords(trx, row.id, 0, records);
    return row;
  });
  try {
    await deps.temporal.client.workflow.start('writeJobWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: writeJobWorkflowId(job.id),
      args: [{ jobId: job.id } satisfies WriteJobInputRef],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: searchAttributes.applicationId, value: applicationId },
        { key: searchAttributes.customerId, value: customerId },
        { key: searchAttributes.connectionId, value: connection.id },
        { key: searchAttributes.providerName, value: providerName },
        { key: searchAttributes.objectType, value: input.object_type },
        { key: searchAttributes.object, value: input.object },
      ]),
      memo: { description: `${input.operation} of ${records.length} ${providerName} ${input.object} records for customer ${customerId}` },
    });
  } catch (err) {
    await jobsRepo.finishJob(deps.db, job.id, { status: 'failed', error: 'the write job could not be started; try again' });
    throw err;
  }
  return job.id;
}

export interface WriteOutcomeView {
  /** The record's position in the job's input, from 0. */
  index: number;
  status: 'pending' | 'succeeded' | 'failed' | 'unknown';
  id?: string;
  operation?: string;
  error?: { message: string; field?: string; code?: string; status?: number };
}

const encode = (c: { dir: 'next' | 'prev'; seq: number }) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(raw: string | undefined): { dir: 'next' | 'prev'; seq: number } | undefined {
  if (!raw) return undefined;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if ((c.dir === 'next' || c.dir === 'prev') && Number.isInteger(c.seq)) return c;
  } catch {
    // fall through
  }
  throw new InvalidInputError('Invalid cursor', { issues: [{ path: 'cursor', message: 'not a cursor of this list', code: 'invalid_cursor' }], location: 'query' });
}

/** One page of the records' outcomes, in input order; `pending` ones are not written yet (or were not when the job failed). */
export async function listWriteJobResults(deps: ServiceDeps, applicationId: string, jobId: string, page: { cursor?: string; pageSize: number }) {
  const job = isUuid(jobId) ? await jobsRepo.findJob(deps.db, applicationId, jobId) : undefined;
  if (!job || job.type !== 'write') throw new NotFoundError('Job', `Write job ${jobId} not found`);
  const cursor = decode(page.cursor);
  const rows = await repo.listRecordOutcomes(deps.db, job.id, {
    limit: page.pageSize + 1,
    ...(cursor?.dir === 'next' ? { afterSeq: cursor.seq } : cursor?.dir === 'prev' ? { beforeSeq: cursor.seq } : {}),
  });
  const more = rows.length > page.pageSize;
  const shown = rows.slice(0, page.pageSize);
  if (cursor?.dir === 'prev') shown.reverse();
  const first = shown[0]?.seq;
  const last = shown[shown.length - 1]?.seq;
  const hasNext = cursor?.dir === 'prev' ? true : more;
  const hasPrev = cursor?.dir === 'prev' ? more : cursor !== undefined;
  return {
    next: hasNext && last !== undefined ? encode({ dir: 'next', seq: last }) : null,
    previous: hasPrev && first !== undefined ? encode({ dir: 'prev', seq: first }) : null,
    total_count: job.records_total,
    results: shown.map(
      (r): WriteOutcomeView => ({
        index: r.seq,
        status: r.status === 'sending' ? 'pending' : r.status,
        ...(r.provider_id ? { id: r.provider_id } : r.record_id ? { id: r.record_id } : {}),
        ...(r.operation ? { operation: r.operation } : {}),
        ...(r.error ? { error: r.error } : {}),
      }),
    ),
  };
}
