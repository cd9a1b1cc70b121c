/**
 * The sync run workflow against stub activities on the time-skipping server: runs longer than
 * one workflow execution, pausing and non-pausing failures, retried chunks.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHUNKS_PER_EXECUTION, type SyncProgress } from '../workflows/sync-run';
import { runStubSyncWorkflow, type StubRunOptions } from './helpers/sync-run-stubs';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
});
afterAll(() => env?.teardown());

const runWorkflow = (opts: StubRunOptions, during?: (workflowId: string) => Promise<void>) => runStubSyncWorkflow(env, opts, during);

describe('sync run workflow', () => {
  it('finishes a run of 130 chunks once, with SUCCESS, across two continue-as-new boundaries', async () => {
    const CHUNKS = 130;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atHeldChunk = new Promise<void>((r) => (reached = r));
    const HELD = CHUNKS_PER_EXECUTION + 25; // in the second execution
    let seen: SyncProgress | undefined;

    const { result, calls } = await runWorkflow(
      {
        chunks: CHUNKS,
        beforeChunk: async (n) => {
          if (n !== HELD) return;
          reached();
          await held;
        },
      },
      async (workflowId) => {
        await atHeldChunk;
        // The handle without a run id follows the chain to its current execution.
        seen = await env.client.workflow.getHandle(workflowId).query<SyncProgress>('progress');
        release();
      },
    );

    expect(result).toEqual({ status: 'SUCCESS', runId: 'run-1', strategy: 'incremental', numRecordsSynced: CHUNKS * 10 });
    expect(calls.start).toBe(1);
    expect(calls.finish).toEqual([{ success: true }]);
    expect(calls.chunkAttempts).toBe(CHUNKS);
    // 50 + 50 + 30 chunks: three executions, two continue-as-new boundaries.
    expect(calls.executions).toHaveLength(3);
    // The query in the second execution counts what the first one did too.
    expect(seen).toEqual({ phase: 'syncing', runId: 'run-1', strategy: 'incremental', records: (HELD - 1) * 10, batches: HELD - 1, cursor: '2026-11-30T00:00:00.000Z' });
  });

  it('pauses the sync and fails the run at once on a pausing error', async () => {
    const { result, calls } = await runWorkflow({ chunks: 5, failAt: { chunk: 3, kind: 'pause' } });
    expect(result).toMatchObject({ status: 'FAILURE', paused: true, error: 'provider rejected the credentials (401): invalid api key' });
    expect(calls.chunkAttempts).toBe(3);
    expect(calls.paused).toEqual(['provider rejected the credentials (401): invalid api key']);
    expect(calls.finish).toEqual([{ success: false, error: 'provider rejected the credentials (401): invalid api key' }]);
  });

  it('retries a chunk that fails transiently and finishes the run', async () => {
    const { result, calls } = await runWorkflow({ chunks: 4, failAt: { chunk: 2, kind: 'transient', attempts: 2 } });
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 40 });
    expect(calls.chunkAttempts).toBe(4 + 2);
    expect(calls.finish).toEqual([{ success: true }]);
  });
});
