/**
 * One chunk of a sync run: pages move from the provider to the destination until the object is
 * exhausted or the chunk's time budget is spent. Records never leave this process; progress (page
 * state, batch sequence, counts) is committed to the run's row after each destination batch, so a
 * retried chunk resumes from the last committed batch.
 */
import * as runs from '../../db/repositories/sync-runs';
import { NotFoundError } from '../../lib/errors';
import type { DestinationRecord } from '../../destinations/types';
import { ProviderError } from '../../providers/errors';
import type { HttpRuntime } from '../../providers/runtime';
import type { JsonValue, ProviderConnection, ReadPageRequest, ReadPageResult } from '../../providers/types';
import { openConnectionProvider } from '../connections/provider-context';
import { loadSyncContext, writeTarget } from './context';
import { advanceBoundary, contentHash, missingMappedFields, toDestinationRecord, type FieldMapping, type RunProgress } from './records';
import { hasNextSubWindow, inSubWindow, subWindowEnd, subWindowStart, type BackfillProgress } from './backfill';
import { openSyncWriter, type RunLedgerDeps } from './run-ledger';
import { resolveSyncSource } from './source';

export interface SyncEngineDeps extends RunLedgerDeps {
  /** Stop a chunk after this long so a retry never repeats more than one chunk (default 60 s). */
  chunkBudgetMs?: number;
  /** HTTP runtime for providers; the process-wide default when omitted. */
  httpRuntime?: HttpRuntime;
  /** Records per destination batch: pages are gathered up to this (default 5000). */
  batchRecords?: number;
}

export interface ChunkResult {
  done: boolean;
  records: number;
  seq: number;
}

/** Where a chunk is, for its heartbeats: the last committed batch, a batch being written, a provider wait. */
export interface ChunkStatus {
  phase: 'opening' | 'reading';
  seq?: number;
  records?: number;
  writing?: number;
  wait?: unknown;
}

export interface ChunkObserver {
  signal?: AbortSignal;
  /** Called on every change of status; `urgent` when the provider makes the chunk wait. */
  report(status: ChunkStatus, urgent?: boolean): void;
}

/**
 * Reads a run's pages one ahead of the caller: the next page is on its way while the current one
 * is mapped and written. Only the caller decides which page state is committed.
 */
function pageReader(provider: ProviderConnection, request: Omit<ReadPageRequest, 'pageState'>, from: JsonValue | null) {
  const read = (pageState: JsonValue | null) => {
    const p = provider.readPage({ ...request, pageState });
    p.catch(() => undefined); // a read-ahead abandoned at the deadline must not surface as unhandled
    return p;
  };
  let next = read(from);
  return {
    async take(): Promise<ReadPageResult> {
      const page = await next;
      if (page.nextPageState !== null) next = read(page.nextPageState);
      return page;
    },
  };
}

interface BatchRules {
  mapping: FieldMapping | null;
  /** Records held as their texts (the destination stores them). */
  asText: boolean;
  /** The run's first batch checks that the mapped fields still exist. */
  first: boolean;
  /** An incremental run re-reads the cursor's instant: skip what the previous run committed there, unchanged. */
  skip: (rec: DestinationRecord) => boolean;
  maxRecords: number;
  deadline: number;
}

/** Gathers pages up to a batch of maxRecords (fewer, larger destination transactions); the page state after it. */
async function gatherBatch(reader: ReturnType<typeof pageReader>, rules: BatchRules, report: (change: Partial<ChunkStatus>) => void) {
  const batch = new Map<string, DestinationRecord>();
  let pageState: JsonValue | null;
  do {
    report({ phase: 'reading' });
    const page = await reader.take();
    report({ wait: undefined });
    if (rules.first && batch.size === 0) {
      const missing = missingMappedFields(page.records, rules.mapping);
      if (missing.length) throw new ProviderError('configuration', `field mapping references field(s) the provider no longer returns: ${missing.join(', ')}`);
    }
    const emittedAt = new Date();
    for (const r of page.records) {
      const rec = toDestinationRecord(r, emittedAt, rules.mapping, rules.asText);
      if (rules.skip(rec)) continue;
      // Last occurrence wins, so a batch's count is of distinct records.
      batch.delete(rec.id);
      batch.set(rec.id, rec);
    }
    pageState = page.nextPageState;
  } while (pageState !== null && batch.size < rules.maxRecords && Date.now() < rules.deadline);
  return { records: [...batch.values()], pageState };
}

export async function runSyncChunk(deps: SyncEngineDeps, input: { syncId: string; runId: string }, observer: ChunkObserver): Promise<ChunkResult> {
  const status: ChunkStatus = { phase: 'opening' };
  const report = (change: Partial<ChunkStatus>, urgent = false) => observer.report(Object.assign(status, change), urgent);

  const ctx = await loadSyncContext(deps.db, input.syncId);
  if (!ctx) throw new NotFoundError('Sync', `sync ${input.syncId} no longer exists`);
  const run = await runs.getSyncRun(deps.db, input.runId);
  if (!run) throw new NotFoundError('Sync run', `sync run ${input.runId} no longer exists`);
  let progress = run.progress as unknown as RunProgress;
  let records = run.num_records_synced;
  report({ seq: progress.seq, records });
  if (progress.done) return { done: true, records, seq: progress.seq };

  const [writer, provider, { mapping, ...source }] = await Promise.all([
    openSyncWriter(deps, ctx),
    openConnectionProvider(deps, ctx.application_id, ctx.connection_id, deps.httpRuntime),
    resolveSyncSource(deps, ctx),
  ]);
  const target = writeTarget(ctx);
  await writer.prepare(target);
  // Asked before the run's first batch commits (a retry of it finds only rows emitted since the run
  // started, which never count), and committed with that batch: a later chunk cannot ask again.
  if (run.strategy === 'full' && progress.seq === 0 && !progress.backfill && writer.holdsRecordsBefore) {
    progress = { ...progress, startedEmpty: !(await writer.holdsRecordsBefore(target, run.start_timestamp)) };
  }
  const incrementalSince = run.strategy === 'incremental' && ctx.state.cursor ? new Date(ctx.state.cursor) : null;
  const known = ctx.state.cursor_records;
  const deadline = Date.now() + (deps.chunkBudgetMs ?? 60_000);
  // A partitioned read keeps requests in flight between pages: they end with the chunk.
  const reading = new AbortController();
  const signal = observer.signal ? AbortSignal.any([observer.signal, reading.signal]) : reading.signal;
  const openReader = (modifiedSince: Date | null, modifiedBefore: Date | null, from: JsonValue | null) =>
    pageReader(provider, { object: source.object, objectType: source.objectType, modifiedSince, modifiedBefore, signal, onWait: (wait) => report({ wait }, true) }, from);
  // Inclusive lower bound: skip only records the previous run committed at the cursor, unchanged.
  const skipKnown = (rec: DestinationRecord) => !!incrementalSince && !!known && rec.lastModifiedAt?.toISOString() === ctx.state.cursor && known[rec.id] === contentHash(rec.raw);
  // A backfill reads its sub-window, and drops what a provider without an upper bound read past its end.
  const skipOutside = (window: BackfillProgress) => (rec: DestinationRecord) => !inSubWindow(window, rec.lastModifiedAt);
  let window = progress.backfill;
  let reader = openReader(window ? subWindowStart(window) : incrementalSince, window ? subWindowEnd(window) : null, progress.pageState);
  const rules: BatchRules = {
    mapping,
    asText: writer.storesRawJson === true,
    first: progress.seq === 0,
    skip: window ? skipOutside(window) : skipKnown,
    maxRecords: deps.batchRecords ?? 5000,
    deadline,
  };

  const commit = async (batch: DestinationRecord[], seq: number, pageState: JsonValue | null, nextWindow?: BackfillProgress) => {
    report({ writing: seq });
    if (batch.length) await writer.writeBatch(target, { runId: input.runId, seq, records: batch });
    const committed: RunProgress = {
      ...progress,
      ...advanceBoundary(progress, batch),
      pageState,
      seq,
      done: pageState === null && !nextWindow,
      ...(nextWindow ? { backfill: nextWindow } : {}),
    };
    // The batch is committed at the destination; now make the progress durable. A crash in
    // between replays this batch, an idempotent upsert, and counts it once (this update never ran).
    await runs.commitRunProgress(deps.db, input.runId, committed, batch.length);
    deps.metrics?.recordsSynced(ctx.provider_name, batch.length);
    progress = committed;
    records += batch.length;
    report({ seq, records, writing: undefined });
  };

  // Two stages overlap: batch k is written and its progress committed while batch k+1 is
  // gathered. Commits stay in batch order, and only a committed batch's page state is ever
  // saved, so a crash resumes from it.
  let nextSeq = progress.seq + 1;
  let inFlight: Promise<void> | null = null;
  try {
    while (Date.now() < deadline) {
      const batch = await gatherBatch(reader, rules, report);
      rules.first = false;
      if (inFlight) await inFlight;
      // A sub-window read to its end: its last batch's commit moves the run to the next one.
      const nextWindow = batch.pageState === null && window && hasNextSubWindow(window) ? { ...window, index: window.index + 1 } : undefined;
      inFlight = commit(batch.records, nextSeq++, batch.pageState, nextWindow);
      // Awaited above or below; until then a failure must not count as unhandled.
      inFlight.catch(() => undefined);
      if (batch.pageState !== null) continue;
      if (!nextWindow) break;
      window = nextWindow;
      reader = openReader(subWindowStart(window), subWindowEnd(window), null);
      rules.skip = skipOutside(window);
    }
    if (inFlight) await inFlight;
  } finally {
    // Never leave a write running behind a failed chunk: its retry would replay the batch
    // while this one still commits, and count it twice.
    await inFlight?.catch(() => undefined);
    reading.abort();
  }
  return { done: progress.done, records, seq: progress.seq };
}
