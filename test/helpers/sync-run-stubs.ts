/**
 * Stub sync activities for workflow tests on the time-skipping server: they count what the
 * workflow asked for and answer as a run of `chunks` chunks would, without a database.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ChunkAttempt, StartRunResult, SyncActivities } from '../../activities/sync';
import type { SyncRunResult } from '../../workflows/sync-run';
import { PAUSING_FAILURE } from '../../workflows/sync-failures';
import type { ChunkSlotRefusal } from '../../workflows/tenant-slots';
import { uniqueTaskQueue, workflowBundle } from './temporal';

export interface StubRunOptions {
  /** The chunk that reports done (1-based). */
  chunks: number;
  recordsPerChunk?: number;
  /** Called before chunk n answers (e.g. to hold it while a test queries the workflow). */
  beforeChunk?: (n: number) => Promise<void> | void;
  /** Failures by chunk: 'pause' = a credential error, 'transient' = fails this many attempts first. */
  failAt?: { chunk: number; kind: 'pause' } | { chunk: number; kind: 'transient'; attempts: number } | { chunk: number; kind: 'fatal' };
  /** The tenant's answer to the nth ask for a chunk slot (1-based, every ask counted): a refusal, or undefined to run the chunk. */
  throttle?: (ask: number, info: { workflowId: string }) => ChunkSlotRefusal | undefined | Promise<ChunkSlotRefusal | undefined>;
}

/** One syncChunk call as the stub saw it. */
export interface ChunkAsk {
  /** What the workflow sent: absent for executions that predate the tenant slots. */
  tenantSlot?: { waitingSince?: string };
  /** When Temporal scheduled it (the server's clock, skipped time included). */
  scheduledAt: number;
  refused: boolean;
}

export interface StubCalls {
  start: number;
  finish: Array<{ success: boolean; error?: string }>;
  paused: string[];
  /** Workflow executions (run ids) that asked for chunks, in order of first appearance. */
  executions: string[];
  chunkAttempts: number;
  asks: ChunkAsk[];
}

export function stubSyncActivities(opts: StubRunOptions): {
  activities: Pick<SyncActivities, 'startSyncRun' | 'syncChunk' | 'finishSyncRun' | 'pauseSyncForError'>;
  calls: StubCalls;
} {
  const calls: StubCalls = { start: 0, finish: [], paused: [], executions: [], chunkAttempts: 0, asks: [] };
  const perChunk = opts.recordsPerChunk ?? 10;
  let seq = 0;
  const activities = {
    async startSyncRun(): Promise<StartRunResult> {
      calls.start++;
      return { runId: 'run-1', strategy: 'incremental', cursor: '2026-11-30T00:00:00.000Z' };
    },
    async syncChunk(input: { tenantSlot?: { waitingSince?: string } }): Promise<ChunkAttempt> {
      const { info } = Context.current();
      const execution = info.workflowExecution!.runId;
      if (!calls.executions.includes(execution)) calls.executions.push(execution);
      const refusal = await opts.throttle?.(calls.asks.length + 1, { workflowId: info.workflowExecution!.workflowId });
      calls.asks.push({ ...(input.tenantSlot ? { tenantSlot: input.tenantSlot } : {}), scheduledAt: info.scheduledTimestampMs, refused: !!refusal });
      if (refusal) return { throttled: refusal };
      calls.chunkAttempts++;
      const n = seq + 1;
      await opts.beforeChunk?.(n);
      const f = opts.failAt;
      if (f && f.chunk === n) {
        if (f.kind === 'pause') throw ApplicationFailure.nonRetryable('provider rejected the credentials (401): invalid api key', PAUSING_FAILURE);
        if (f.kind === 'fatal') throw ApplicationFailure.nonRetryable('destination rejected a value (22P02)', 'DestinationDataError');
        if (Context.current().info.attempt <= f.attempts) throw new Error(`provider answered 503 (attempt ${Context.current().info.attempt})`);
      }
      seq = n;
      return { done: n >= opts.chunks, records: n * perChunk, seq: n };
    },
    async finishSyncRun(input: { success: boolean; error?: string }): Promise<{ numRecordsSynced: number }> {
      calls.finish.push({ success: input.success, ...(input.error ? { error: input.error } : {}) });
      return { numRecordsSynced: seq * perChunk };
    },
    async pauseSyncForError(input: { reason: string }): Promise<void> {
      calls.paused.push(input.reason);
    },
  };
  return { activities: activities as unknown as ReturnType<typeof stubSyncActivities>['activities'], calls };
}

/** One sync run workflow on `env` against these stubs, to its result; `during` runs while it does. */
export async function runStubSyncWorkflow(env: TestWorkflowEnvironment, opts: StubRunOptions, during?: (workflowId: string) => Promise<void>) {
  const taskQueue = uniqueTaskQueue('sync-run');
  const stubs = stubSyncActivities(opts);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: stubs.activities,
    workflowBundle: await workflowBundle(),
  });
  const workflowId = `sync-run-${randomUUID()}`;
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('syncRunWorkflow', { taskQueue, workflowId, args: [{ syncId: randomUUID() }] });
    await during?.(workflowId);
    return (await handle.result()) as SyncRunResult;
  });
  return { result, calls: stubs.calls, workflowId };
}
