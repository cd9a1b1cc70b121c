/**
 * The sync job workflow against stub activities on the time-skipping server: it steps until the
 * job is done, polling between steps; a signal wakes it at once; a lost step is retried; a long
 * job continues as new.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SYNC_JOB_STEPS_PER_EXECUTION } from '../workflows/sync-job';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { stubSyncJobActivities, type SyncJobStubOptions } from './helpers/sync-job-stubs';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
});
afterAll(() => env?.teardown());

type Start = (args?: object) => Promise<{ workflowId: string; firstRunId: string }>;

async function withWorker<T>(opts: SyncJobStubOptions, fn: (start: Start, calls: { steps: number }) => Promise<T>) {
  const taskQueue = uniqueTaskQueue('sync-job');
  const stubs = stubSyncJobActivities(opts);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: stubs.activities,
    workflowBundle: await workflowBundle(),
  });
  const start: Start = async (args = {}) => {
    const workflowId = `sync-job:${randomUUID()}`;
    const handle = await env.client.workflow.start('syncJobWorkflow', { taskQueue, workflowId, args: [{ jobId: randomUUID(), ...args }] });
    return { workflowId, firstRunId: handle.firstExecutionRunId };
  };
  const out = await worker.runUntil(() => fn(start, stubs.calls));
  return { out, calls: stubs.calls };
}

async function executions(workflowId: string, firstRunId: string) {
  let n = 0;
  for (let runId: string | null | undefined = firstRunId; runId; n++) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return n;
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(cond()).toBe(true);
};

describe('sync job workflow', () => {
  it('steps until the job is done, polling between steps', async () => {
    const { out, calls } = await withWorker({ steps: 4 }, async (start) => {
      const { workflowId } = await start();
      return env.client.workflow.getHandle(workflowId).result();
    });
    expect(out).toEqual({ status: 'JOB_COMPLETED' });
    expect(calls).toEqual({ attempts: 4, steps: 4 });
  });

  it('a signal wakes it at once, long before its poll', async () => {
    const { out, calls } = await withWorker({ steps: 2 }, async (start, seen) => {
      const { workflowId } = await start({ pollInterval: '1 day' });
      const handle = env.client.workflow.getHandle(workflowId);
      // Not awaiting the result: time does not skip, so only the signal can bring the second step.
      await waitFor(() => seen.steps >= 1);
      await handle.signal('syncJobChanged');
      await waitFor(() => seen.steps >= 2);
      return handle.result();
    });
    expect(out).toEqual({ status: 'JOB_COMPLETED' });
    expect(calls.steps).toBe(2);
  });

  it('retries a lost step', async () => {
    const { out, calls } = await withWorker({ steps: 3, lostAt: { step: 2, attempts: 2 } }, async (start) => {
      const { workflowId } = await start();
      return env.client.workflow.getHandle(workflowId).result();
    });
    expect(out).toEqual({ status: 'JOB_COMPLETED' });
    expect(calls).toEqual({ attempts: 5, steps: 3 });
  });

  it('continues as new after its steps per execution, and finishes once', async () => {
    const { out, calls } = await withWorker({ steps: SYNC_JOB_STEPS_PER_EXECUTION + 5 }, async (start) => {
      const { workflowId, firstRunId } = await start();
      const result = await env.client.workflow.getHandle(workflowId).result();
      return { result, executions: await executions(workflowId, firstRunId) };
    });
    expect(out).toEqual({ result: { status: 'JOB_COMPLETED' }, executions: 2 });
    expect(calls.steps).toBe(SYNC_JOB_STEPS_PER_EXECUTION + 5);
  }, 120_000);
});
