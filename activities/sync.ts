/**
 * Activities of one sync run. Records move provider → destination here, never through
 * workflow payloads: workflows carry ids, cursors and counts. Progress (page state,
 * batch sequence, counts) is committed to the run's row after each destination batch,
 * so a retried activity resumes from the last committed batch.
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DestinationRecord, DestinationWriter, WriteTarget } from '../destinations/types';
import type { WriterCache } from '../destinations/registry';
import * as runs from '../db/repositories/sync-runs';
import { DomainError, RemoteError } from '../lib/errors';
import type { JsonValue, ProviderConnection, SourceRecord } from '../providers/types';
import { openConnectionProvider } from '../services/connections/provider-context';
import { ProviderError } from '../providers/errors';
import type { HttpRuntime } from '../providers/runtime';
import type { ServiceDeps } from '../services/deps';
import { recordEvent } from '../services/webhooks/events';
import { nextSyncState, type SyncState } from '../services/syncs/plan';
import { resolveSyncSource } from '../services/syncs/source';
import { loadSyncContext, runStrategyFor, setSyncPaused, syncEventSubject, syncSubject, type SyncContext } from '../services/syncs/syncs';
import { loadDestinationWithSecrets } from '../services/destinations/destinations';
import { PAUSING_FAILURE, SYNC_DELETED_FAILURE } from '../workflows/sync-failures';

export interface SyncActivityDeps extends ServiceDeps {
  writers: WriterCache;
  /** Stop a chunk after this long so a retry never repeats more than one chunk (default 60 s). */
  chunkBudgetMs?: number;
  /** HTTP runtime for providers; the process-wide default when omitted. */
  httpRuntime?: HttpRuntime;
  /** Records per destination batch: pages are gathered up to this (default 5000). */
  batchRecords?: number;
}

export interface RunProgress {
  pageState: JsonValue | null;
  /** Sequence of the last committed batch. */
  seq: number;
  done: boolean;
  /** Greatest last-modified seen in committed batches (ISO). */
  maxLastModified: string | null;
  /** Records at exactly maxLastModified (id → content hash); null when too many to keep. */
  maxRecords: Record<string, string> | null;
  /** The sync's pending full refresh request when the run started: the one a full run satisfies. */
  fullRefreshRequestAtStart?: string | null;
}

/** Boundary records kept per run; beyond this the next run just re-reads the boundary. */
const MAX_BOUNDARY_RECORDS = 1000;

const contentHash = (raw: Record<string, unknown>) => createHash('sha1').update(JSON.stringify(raw)).digest('base64url');

/**
 * Folds a committed batch into the run's cursor bookkeeping. Only records at the batch's greatest
 * last-modified are hashed: hashing every record of an ascending stream costs a JSON.stringify each.
 */
export function advanceBoundary(progress: Pick<RunProgress, 'maxLastModified' | 'maxRecords'>, batch: DestinationRecord[]): Pick<RunProgress, 'maxLastModified' | 'maxRecords'> {
  let top = -Infinity;
  for (const r of batch) {
    const t = r.lastModifiedAt?.getTime();
    if (t !== undefined && t > top) top = t; // NaN (an invalid date) never wins
  }
  if (top === -Infinity) return { maxLastModified: progress.maxLastModified, maxRecords: progress.maxRecords };
  const at = new Date(top).toISOString();
  if (progress.maxLastModified && at < progress.maxLastModified) return { maxLastModified: progress.maxLastModified, maxRecords: progress.maxRecords };
  let maxRecords: Record<string, string> | null = at === progress.maxLastModified ? (progress.maxRecords && { ...progress.maxRecords }) : {};
  let kept = maxRecords ? Object.keys(maxRecords).length : 0;
  for (const r of batch) {
    if (!maxRecords || r.lastModifiedAt?.getTime() !== top) continue;
    if (r.id in maxRecords) maxRecords[r.id] = contentHash(r.raw);
    else if (kept++ < MAX_BOUNDARY_RECORDS) maxRecords[r.id] = contentHash(r.raw);
    else maxRecords = null;
  }
  return { maxLastModified: at, maxRecords };
}

export type StartRunResult =
  | { skipped: 'paused' | 'deleted' }
  | { skipped?: undefined; runId: string; strategy: 'full' | 'incremental'; cursor: string | null };

export interface ChunkResult {
  done: boolean;
  records: number;
  seq: number;
}


/** A failure as the run's error_message says it: with the remote's answer when the message lacks it. */
function failureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const excerpt = err instanceof RemoteError ? err.bodyExcerpt : undefined;
  return excerpt && !message.includes(excerpt) ? `${message}: ${excerpt}` : message;
}

/**
 * Rethrows as Temporal should see it: a domain error no retry can fix fails the chunk on its first
 * attempt, as PAUSING_FAILURE when the sync must pause (the workflow pauses on that type); anything
 * else (our database, a lost connection) and retryable domain errors are retried.
 */
function rethrow(err: unknown): never {
  if (!(err instanceof DomainError)) throw err instanceof Error ? err : new Error(String(err));
  const message = failureMessage(err);
  if (err.pausesSync) throw ApplicationFailure.nonRetryable(message, PAUSING_FAILURE);
  throw ApplicationFailure.create({ message, type: err.name, nonRetryable: !err.retryable });
}

/**
 * Heartbeats for as long as a chunk runs, with its latest progress. A dead worker stops them,
 * so Temporal retries the chunk elsewhere within the (short) heartbeat timeout, while reads and
 * writes that rightly take longer (a slow provider page, a Retry-After wait, a BigQuery load job)
 * are not timed out and replayed while they still run. The providers' and writers' own timeouts
 * and the activity's start-to-close timeout bound a stuck provider or destination.
 */
function keepHeartbeating(activity: Context, details: () => Record<string, unknown>): () => void {
  const everyMs = Math.max(250, Math.floor((activity.info.heartbeatTimeoutMs ?? 60_000) / 4));
  activity.heartbeat(details());
  const timer = setInterval(() => activity.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}

function writeTarget(ctx: SyncContext): WriteTarget {
  return {
    applicationId: ctx.application_id,
    customerId: ctx.external_customer_id,
    providerName: ctx.provider_name,
    ...syncSubject(ctx),
    ...(ctx.schemaOverride ? { schema: ctx.schemaOverride } : {}),
    ...(ctx.table ? { table: ctx.table } : {}),
  };
}

/** schema field → provider field, applied to every record (`_supaglue_mapped_data`). */
export type FieldMapping = Record<string, string>;

export function applyFieldMapping(raw: Record<string, unknown>, mapping: FieldMapping | null): Record<string, unknown> {
  if (!mapping) return {};
  const out: Record<string, unknown> = {};
  for (const [schemaField, providerField] of Object.entries(mapping)) out[schemaField] = raw[providerField] ?? null;
  return out;
}

/** Mapped provider fields that no record of a page has: the provider no longer has them. */
export function missingMappedFields(records: SourceRecord[], mapping: FieldMapping | null): string[] {
  if (!mapping || records.length === 0) return [];
  return Object.values(mapping).filter((field) => records.every((r) => !(field in r.raw)));
}

function toDestinationRecord(r: SourceRecord, emittedAt: Date, mapping: FieldMapping | null): DestinationRecord {
  return {
    id: r.id,
    lastModifiedAt: r.lastModifiedAt,
    isDeleted: r.isDeleted,
    emittedAt,
    raw: r.raw,
    mapped: applyFieldMapping(r.raw, mapping),
    ...(r.unified ? { unified: r.unified } : {}),
  };
}

export function createSyncActivities(deps: SyncActivityDeps) {
  async function requireContext(syncId: string): Promise<SyncContext> {
    const ctx = await loadSyncContext(deps.db, syncId);
    if (!ctx) throw ApplicationFailure.nonRetryable(`sync ${syncId} no longer exists`, SYNC_DELETED_FAILURE);
    return ctx;
  }

  async function openWriter(ctx: SyncContext): Promise<DestinationWriter> {
    const destination = await loadDestinationWithSecrets(deps, ctx.application_id, ctx.destination_id);
    return deps.writers.get(destination);
  }

  const openProvider = (ctx: SyncContext): Promise<ProviderConnection> => openConnectionProvider(deps, ctx.application_id, ctx.connection_id, deps.httpRuntime);

  return {
    /**
     * Opens a run: skips paused or deleted syncs, picks the strategy, writes the IN_PROGRESS row.
     * Idempotent per workflow: a retry after the insert committed continues that run.
     */
    async startSyncRun(input: { syncId: string }): Promise<StartRunResult> {
      const workflowRunId = Context.current().info.workflowExecution?.runId ?? null;
      const own = workflowRunId ? await runs.findRunOfWorkflow(deps.db, workflowRunId) : undefined;
      const ctx = await loadSyncContext(deps.db, input.syncId);
      if (own) return { runId: own.id, strategy: own.strategy, cursor: own.strategy === 'incremental' ? (ctx?.state.cursor ?? null) : null };
      if (!ctx) return { skipped: 'deleted' };
      if (ctx.paused) return { skipped: 'paused' };
      const strategy = runStrategyFor(ctx);
      const run = await runs.openSyncRun(deps.db, {
        application_id: ctx.application_id,
        sync_id: ctx.id,
        connection_id: ctx.connection_id,
        customer_id: ctx.customer_id,
        provider_name: ctx.provider_name,
        category: ctx.category,
        object_type: ctx.object_type,
        object: ctx.object,
        entity_id: ctx.entity_id,
        status: 'IN_PROGRESS',
        strategy,
        start_timestamp: new Date(),
        progress: JSON.stringify({
          pageState: null,
          seq: 0,
          done: false,
          maxLastModified: null,
          maxRecords: {},
          fullRefreshRequestAtStart: ctx.state.full_refresh_request_id ?? null,
        } satisfies RunProgress),
        workflow_run_id: workflowRunId,
      });
      return { runId: run.id, strategy, cursor: strategy === 'incremental' ? (ctx.state.cursor ?? null) : null };
    },

    /**
     * Moves pages from the provider to the destination until the object is exhausted or
     * the chunk's time budget is spent. Resumes from the run's committed progress.
     */
    async syncChunk(input: { syncId: string; runId: string }): Promise<ChunkResult> {
      const activity = Context.current();
      const beat: { phase: string; seq?: number; records?: number; writing?: number; wait?: unknown } = { phase: 'opening' };
      const stopHeartbeating = keepHeartbeating(activity, () => ({ ...beat }));
      try {
        const ctx = await requireContext(input.syncId);
        const run = await runs.getSyncRun(deps.db, input.runId);
        if (!run) throw ApplicationFailure.nonRetryable(`sync run ${input.runId} no longer exists`, SYNC_DELETED_FAILURE);
        let progress = run.progress as unknown as RunProgress;
        let records = run.num_records_synced;
        Object.assign(beat, { seq: progress.seq, records });
        if (progress.done) return { done: true, records, seq: progress.seq };

        const [writer, provider, { mapping, ...source }] = await Promise.all([openWriter(ctx), openProvider(ctx), resolveSyncSource(deps, ctx)]);
        const target = writeTarget(ctx);
        await writer.prepare(target);
        const modifiedSince = run.strategy === 'incremental' && ctx.state.cursor ? new Date(ctx.state.cursor) : null;
        const known = ctx.state.cursor_records;
        const deadline = Date.now() + (deps.chunkBudgetMs ?? 60_000);
        const batchRecords = deps.batchRecords ?? 5000;

        const read = (pageState: JsonValue | null) => {
          const p = provider.readPage({
            object: source.object,
            objectType: source.objectType,
            modifiedSince,
            pageState,
            signal: activity.cancellationSignal,
            onWait: (w) => {
              beat.wait = w;
              activity.heartbeat({ ...beat });
            },
          });
          p.catch(() => undefined); // a read-ahead abandoned at the deadline must not surface as unhandled
          return p;
        };
        // Two stages overlap: batch k is written and its progress committed while batch k+1 is
        // gathered from the provider (one page read ahead). Progress commits stay in batch order,
        // and only a committed batch's page state is ever saved, so a crash resumes from it.
        let readState = progress.pageState;
        let nextSeq = progress.seq + 1;
        let next = read(readState);
        let inFlight: Promise<void> | null = null;

        const commit = async (batch: DestinationRecord[], seq: number, pageState: JsonValue | null) => {
          beat.writing = seq;
          if (batch.length) await writer.writeBatch(target, { runId: input.runId, seq, records: batch });
          const committed: RunProgress = { ...progress, ...advanceBoundary(progress, batch), pageState, seq, done: pageState === null };
          // The batch is committed at the destination; now make the progress durable. A crash in
          // between replays this batch, an idempotent upsert, and counts it once (this update never ran).
          await runs.commitRunProgress(deps.db, input.runId, committed, batch.length);
          progress = committed;
          records += batch.length;
          Object.assign(beat, { seq, records, writing: undefined });
        };

        try {
          while (Date.now() < deadline) {
            // Gather pages up to a batch of batchRecords: fewer, larger destination transactions.
            const batch = new Map<string, DestinationRecord>();
            do {
              beat.phase = 'reading';
              const page = await next;
              beat.wait = undefined;
              if (page.nextPageState !== null) next = read(page.nextPageState);
              if (nextSeq === 1 && batch.size === 0) {
                const missing = missingMappedFields(page.records, mapping);
                if (missing.length) {
                  throw new ProviderError('configuration', `field mapping references field(s) the provider no longer returns: ${missing.join(', ')}`);
                }
              }
              const emittedAt = new Date();
              for (const r of page.records) {
                const rec = toDestinationRecord(r, emittedAt, mapping);
                // Inclusive lower bound: skip only records the previous run committed at the cursor, unchanged.
                if (modifiedSince && known && rec.lastModifiedAt?.toISOString() === ctx.state.cursor && known[rec.id] === contentHash(rec.raw)) continue;
                // Last occurrence wins, so a batch's count is of distinct records.
                batch.delete(rec.id);
                batch.set(rec.id, rec);
              }
              readState = page.nextPageState;
            } while (readState !== null && batch.size < batchRecords && Date.now() < deadline);

            if (inFlight) await inFlight;
            inFlight = commit([...batch.values()], nextSeq++, readState);
            // Awaited above or below; until then a failure must not count as unhandled.
            inFlight.catch(() => undefined);
            if (readState === null) break;
          }
          if (inFlight) await inFlight;
        } finally {
          // Never leave a write running behind a failed chunk: its retry would replay the batch
          // while this one still commits, and count it twice.
          await inFlight?.catch(() => undefined);
        }
        return { done: progress.done, records, seq: progress.seq };
      } catch (err) {
        rethrow(err);
      } finally {
        stopHeartbeating();
      }
    },

    /** Closes a run: destination finish (soft deletes after a successful full run), ledger, cursor, sync.complete. */
    async finishSyncRun(input: { syncId: string; runId: string; success: boolean; error?: string }): Promise<{ numRecordsSynced: number }> {
      const run = await runs.getSyncRun(deps.db, input.runId);
      // The sync (and its runs, by cascade) was deleted mid-run: nothing left to close. Throwing
      // here would only retry for minutes and then fail the workflow.
      if (!run) return { numRecordsSynced: 0 };
      if (run.status !== 'IN_PROGRESS') return { numRecordsSynced: run.num_records_synced };
      const ctx = await loadSyncContext(deps.db, input.syncId);
      const progress = run.progress as unknown as RunProgress;
      let success = input.success;
      let error = input.error ?? null;
      if (ctx && success) {
        try {
          const writer = await openWriter(ctx);
          await writer.finishRun(writeTarget(ctx), {
            runId: run.id,
            strategy: run.strategy,
            success,
            runStartedAt: run.start_timestamp,
            numRecordsSynced: run.num_records_synced,
            cursor: progress.maxLastModified,
          });
        } catch (err) {
          success = false;
          error = `finishing the run at the destination failed: ${failureMessage(err)}`;
        }
      }
      const finishedAt = new Date();
      await deps.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sync_runs')
          .set({ status: success ? 'SUCCESS' : 'FAILURE', error_message: error, end_timestamp: finishedAt })
          .where('id', '=', run.id)
          .execute();
        if (ctx) {
          // The state as it is now, locked: a full refresh requested during the run is not overwritten.
          const current = await trx.selectFrom('syncs').select('state').where('id', '=', ctx.id).forUpdate().executeTakeFirst();
          const state = nextSyncState((current?.state ?? ctx.state) as SyncState, {
            strategy: run.strategy,
            success,
            maxLastModified: progress.maxLastModified,
            maxRecords: progress.maxRecords,
            finishedAt: finishedAt.toISOString(),
            fullRefreshRequestAtStart: progress.fullRefreshRequestAtStart,
          });
          await trx.updateTable('syncs').set({ state: JSON.stringify(state), updated_at: finishedAt }).where('id', '=', ctx.id).execute();
          await recordEvent(trx, ctx.application_id, 'sync.complete', {
            run_id: run.id,
            connection_id: ctx.connection_id,
            customer_id: ctx.external_customer_id,
            provider_name: ctx.provider_name,
            result: success ? 'SUCCESS' : 'ERROR',
            num_records_synced: run.num_records_synced,
            error_message: error,
            ...syncEventSubject(ctx),
          });
        }
      });
      return { numRecordsSynced: run.num_records_synced };
    },

    /** Auto-pause after an error no retry can fix (credentials, permissions, configuration). */
    async pauseSyncForError(input: { syncId: string; runId: string; reason: string }): Promise<void> {
      const sync = await deps.db.selectFrom('syncs').selectAll().where('id', '=', input.syncId).executeTakeFirst();
      if (!sync || sync.paused) return;
      await setSyncPaused(deps, sync, true, input.reason, input.runId);
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
