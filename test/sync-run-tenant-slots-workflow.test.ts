/**
 * The sync run workflow's wait for a tenant chunk slot, against stub activities on the
 * time-skipping server: a refused chunk is asked for again after the refusal's recheck time (a
 * durable timer, no activity running meanwhile) or as soon as a wake-up signal comes, carrying
 * its place in line (waitingSince), across continue-as-new too.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHUNKS_PER_EXECUTION, type SyncProgress } from '../workflows/sync-run';
import { TENANT_SLOT_FREE_SIGNAL } from '../workflows/tenant-slots';
import { runStubSyncWorkflow, type StubRunOptions } from './helpers/sync-run-stubs';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
});
afterAll(() => env?.teardown());

const runWorkflow = (opts: StubRunOptions, during?: (workflowId: string) => Promise<void>) => runStubSyncWorkflow(env, opts, during);

const WAITING_SINCE = '2026-12-01T10:00:00.000Z';
const MINUTE = 60_000;

describe('sync run workflow waiting for a tenant chunk slot', () => {
  it('asks again after each refusal’s recheck time, with its place in line, and then runs the chunks', async () => {
    const { result, calls } = await runWorkflow({
      chunks: 2,
      throttle: (ask) => (ask <= 2 ? { waitingSince: WAITING_SINCE, retryInMs: ask * MINUTE, ahead: 7 } : undefined),
    });
    expect(result).toEqual({ status: 'SUCCESS', runId: 'run-1', strategy: 'incremental', numRecordsSynced: 20 });
    expect(calls.asks.map((a) => ({ tenantSlot: a.tenantSlot, refused: a.refused }))).toEqual([
      { tenantSlot: {}, refused: true },
      { tenantSlot: { waitingSince: WAITING_SINCE }, refused: true },
      { tenantSlot: { waitingSince: WAITING_SINCE }, refused: false },
      // A chunk that ran ends the wait: the next chunk queues afresh.
      { tenantSlot: {}, refused: false },
    ]);
    expect(calls.chunkAttempts).toBe(2);
    // The waits were timers of the refusals' length (skipped by the test server, still on its clock).
    const at = calls.asks.map((a) => a.scheduledAt);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1 * MINUTE);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(2 * MINUTE);
  });

  it('asks again at once when woken by a released slot, long before its recheck time', async () => {
    let refused!: () => void;
    const firstRefusal = new Promise<void>((r) => (refused = r));
    let seen: SyncProgress | undefined;
    const { result, calls } = await runWorkflow(
      {
        chunks: 1,
        throttle: (ask) => {
          if (ask > 1) return undefined;
          refused();
          return { waitingSince: WAITING_SINCE, retryInMs: 24 * 60 * MINUTE, ahead: 1 };
        },
      },
      async (workflowId) => {
        await firstRefusal;
        const handle = env.client.workflow.getHandle(workflowId);
        // Not skipping time here (nothing awaits the result yet): only the signal can end the wait.
        for (let i = 0; i < 100 && seen?.phase !== 'waiting'; i++) {
          seen = await handle.query<SyncProgress>('progress');
          if (seen.phase !== 'waiting') await new Promise((r) => setTimeout(r, 20));
        }
        await handle.signal(TENANT_SLOT_FREE_SIGNAL);
      },
    );
    expect(seen).toMatchObject({ phase: 'waiting', runId: 'run-1' });
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 10 });
    expect(calls.asks.map((a) => a.refused)).toEqual([true, false]);
    expect(calls.asks[1]!.scheduledAt - calls.asks[0]!.scheduledAt).toBeLessThan(60 * MINUTE);
  });

  it('keeps its place in line across continue-as-new while it waits', async () => {
    const WAITS = CHUNKS_PER_EXECUTION + 5;
    const { result, calls } = await runWorkflow({
      chunks: 1,
      throttle: (ask) => (ask <= WAITS ? { waitingSince: WAITING_SINCE, retryInMs: 1000, ahead: 3 } : undefined),
    });
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 10 });
    // Waits count towards the execution's length: the 50th continued the run as new.
    expect(calls.executions).toHaveLength(2);
    expect(calls.asks).toHaveLength(WAITS + 1);
    expect(calls.asks.slice(1).every((a) => a.tenantSlot?.waitingSince === WAITING_SINCE)).toBe(true);
    expect(calls.start).toBe(1);
    expect(calls.finish).toEqual([{ success: true }]);
  });
});
