/**
 * The work of a write job, as its activities do it: batches of pending records handed to the
 * provider, each record's outcome and the job's counts committed together. A record is marked
 * `sending` before its batch goes out, so an attempt that finds `sending` records knows a lost
 * attempt may have written them: an update or upsert is sent again (writing it twice changes
 * nothing), a create is reported `unknown` and never sent twice.
 */
import { NotFoundError } from '../../lib/errors';
import { findJobById, finishJob, markJobRunning } from '../../db/repositories/jobs';
import { findConnectionById } from '../../db/repositories/connections';
import * as repo from '../../db/repositories/write-jobs';
import { WriteOutcomeUnknownError } from '../../providers/errors';
import type { HttpRuntime } from '../../providers/runtime';
import type { WaitInfo, WriteOutcome } from '../../providers/types';
import type { ServiceDeps } from '../deps';
import { recordEvent } from '../webhooks/events';
import { asInputError, openWritableProvider } from './target';

export interface WriteChunkProgress {
  written: number;
  waiting?: WaitInfo;
}

export interface WriteChunkResult {
  /** No record is left to write. */
  done: boolean;
  /** Records given an outcome by this attempt. */
  written: number;
}

const LOST_CREATE = 'the worker stopped while this record was being sent, so the provider may have created it; it was not sent again, so that it is never created twice';

async function loadWriteJob(deps: ServiceDeps, jobId: string) {
  const job = await findJobById(deps.db, jobId);
  if (!job || job.type !== 'write' || !job.write_spec || !job.connection_id) throw new NotFoundError('Job', `Write job ${jobId} not found`);
  return { ...job, write_spec: job.write_spec, connection_id: job.connection_id };
}

/** Records a lost attempt left `sending`: sent again when that is harmless, reported unknown when not. */
async function recoverLostBatch(deps: ServiceDeps, jobId: string, operation: string): Promise<void> {
  const lost = await repo.listSendingRecords(deps.db, jobId);
  if (lost.length === 0) return;
  await repo.recordOutcomes(
    deps.db,
    jobId,
    lost.map(({ seq }) => (operation === 'create' ? { seq, status: 'unknown' as const, error: { message: LOST_CREATE } } : { seq, status: 'pending' as const })),
  );
}

const toOutcome = (seq: number, o: WriteOutcome): repo.RecordOutcome =>
  o.ok ? { seq, status: 'succeeded', provider_id: o.id, operation: o.operation } : { seq, status: 'failed', error: o.error };

/**
 * Writes batches until no record is pending or `budgetMs` has passed. Throws what a retry cannot
 * fix as a domain error (credentials, an object the provider lacks), leaving unsent records pending.
 */
export async function runWriteJobChunk(
  deps: ServiceDeps,
  jobId: string,
  opts: { budgetMs: number; signal?: AbortSignal; report?: (p: WriteChunkProgress) => void; runtime?: HttpRuntime },
): Promise<WriteChunkResult> {
  const job = await loadWriteJob(deps, jobId);
  if (job.status === 'succeeded' || job.status === 'failed') return { done: true, written: 0 };
  await markJobRunning(deps.db, jobId);
  const connection = await findConnectionById(deps.db, job.application_id, job.connection_id);
  if (!connection) throw new NotFoundError('Connection', `The connection of write job ${jobId} was deleted`);
  const spec = job.write_spec;
  await recoverLostBatch(deps, jobId, spec.operation);
  const provider = await openWritableProvider(deps, job.application_id, connection, opts.runtime);
  const batchSize = Math.max(1, provider.writeBatchSize ?? 1);
  const deadline = Date.now() + opts.budgetMs;
  let written = 0;
  let drained = false;
  // A failing lane stops the others from claiming more: the chunk ends with that failure.
  let stopped = false;
  const write = (claimed: Claimed) =>
    provider.write({
      object: spec.object,
      objectType: spec.object_type,
      operation: spec.operation,
      ...(spec.match_field ? { matchField: spec.match_field } : {}),
      records: claimed.map((c) => ({ record: c.record, ...(c.record_id !== null ? { id: c.record_id } : {}) })),
      signal: opts.signal,
      onWait: (waiting) => opts.report?.({ written, waiting }),
    });
  // Several batches in flight, so a provider with some latency is still kept at its rate limit; the
  // connection's limiter (requests/s, concurrency, Retry-After) stays the ceiling.
  const lane = async () => {
    try {
      while (!drained && !stopped && Date.now() < deadline) {
        opts.signal?.throwIfAborted();
        const claimed = await repo.claimPendingRecords(deps.db, jobId, batchSize);
        if (claimed.length === 0) {
          drained = true;
          return;
        }
        written += await writeBatch(deps, jobId, claimed, write, connection.provider_name);
        opts.report?.({ written });
      }
    } catch (err) {
      stopped = true;
      throw err;
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: WRITE_LANES }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
  return { done: drained && (await repo.countOpenRecords(deps.db, jobId)) === 0, written };
}

/** Batches of one job in flight at once. */
const WRITE_LANES = 4;

type Claimed = Awaited<ReturnType<typeof repo.claimPendingRecords>>;

/** One batch to the provider and its outcomes committed; returns how many records got an outcome. */
async function writeBatch(deps: ServiceDeps, jobId: string, claimed: Claimed, write: (c: Claimed) => Promise<WriteOutcome[]>, providerName: string): Promise<number> {
  let outcomes: WriteOutcome[];
  try {
    outcomes = await write(claimed);
    if (outcomes.length !== claimed.length) throw new Error(`${providerName} answered ${outcomes.length} outcomes for ${claimed.length} records`);
  } catch (err) {
    if (err instanceof WriteOutcomeUnknownError) {
      await repo.recordOutcomes(
        deps.db,
        jobId,
        claimed.map(({ seq }) => ({ seq, status: 'unknown', error: { message: err.message, ...(err.status ? { status: err.status } : {}) } })),
      );
      return claimed.length;
    }
    // Nothing of this batch was written (refused before processing, or not sent): it stays to be written.
    await repo.recordOutcomes(
      deps.db,
      jobId,
      claimed.map(({ seq }) => ({ seq, status: 'pending' })),
    );
    throw asInputError(err);
  }
  await repo.recordOutcomes(
    deps.db,
    jobId,
    claimed.map((c, i) => toOutcome(c.seq, outcomes[i]!)),
  );
  return claimed.length;
}

export interface WriteJobSummary {
  status: 'succeeded' | 'failed';
  records_total: number;
  records_succeeded: number;
  records_failed: number;
  records_unknown: number;
}

/**
 * Finishes the job (succeeded: every record has an outcome, some may be refused; failed: `error`
 * stopped it) and records its `write_job.complete` event in the same transaction.
 */
export async function finishWriteJob(deps: ServiceDeps, jobId: string, error?: string): Promise<WriteJobSummary> {
  const job = await loadWriteJob(deps, jobId);
  const connection = await findConnectionById(deps.db, job.application_id, job.connection_id);
  return deps.db.transaction().execute(async (trx) => {
    const finished = await finishJob(trx, jobId, { status: error === undefined ? 'succeeded' : 'failed', error: error ?? null });
    const row = finished ?? job;
    const summary: WriteJobSummary = {
      status: row.status === 'failed' ? 'failed' : 'succeeded',
      records_total: row.records_total,
      records_succeeded: row.records_succeeded,
      records_failed: row.records_failed,
      records_unknown: row.records_unknown,
    };
    // Only the transition records the event: a retried finish does not announce the job twice.
    if (finished) {
      await recordEvent(trx, job.application_id, 'write_job.complete', {
        job_id: jobId,
        customer_id: connection?.external_customer_id,
        provider_name: connection?.provider_name,
        object_type: job.write_spec.object_type,
        object: job.write_spec.object,
        operation: job.write_spec.operation,
        result: summary.status === 'succeeded' ? 'SUCCESS' : 'ERROR',
        num_records: summary.records_total,
        num_succeeded: summary.records_succeeded,
        num_failed: summary.records_failed,
        num_unknown: summary.records_unknown,
        error_message: error,
      });
    }
    return summary;
  });
}
