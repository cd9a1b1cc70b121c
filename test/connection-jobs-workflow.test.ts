/**
 * The connection verify and delete workflows against stub activities on the time-skipping server:
 * the outcome recorded once, a verification no attempt could run recorded as failed, a delete that
 * waits out a run in progress (and gives up waiting after 30 minutes), a lost step recorded.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stubConnectionJobActivities, type ConnectionJobStubOptions } from './helpers/connection-job-stubs';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
});
afterAll(() => env?.teardown());

async function run(workflowType: 'connectionVerifyWorkflow' | 'connectionDeleteWorkflow', opts: ConnectionJobStubOptions) {
  const taskQueue = uniqueTaskQueue('connection-job');
  const stubs = stubConnectionJobActivities(opts);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: stubs.activities,
    workflowBundle: await workflowBundle(),
  });
  const started = Date.now();
  const { result, elapsedMs } = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(workflowType, { taskQueue, workflowId: `${workflowType}-${randomUUID()}`, args: [{ jobId: randomUUID() }] });
    const result = (await handle.result()) as string;
    const history = await handle.fetchHistory();
    const first = Number(history.events?.[0]?.eventTime?.seconds ?? 0);
    const last = Number(history.events?.at(-1)?.eventTime?.seconds ?? 0);
    return { result, elapsedMs: (last - first) * 1000 };
  });
  return { result, calls: stubs.calls, elapsedMs, wallMs: Date.now() - started };
}

describe('connection verify workflow', () => {
  it('records the check’s outcome once', { timeout: 60_000 }, async () => {
    for (const verify of ['succeeded', 'failed'] as const) {
      const { result, calls } = await run('connectionVerifyWorkflow', { verify });
      expect(result).toBe(verify);
      expect(calls).toMatchObject({ verify: 1, failed: [] });
    }
  });

  it('every attempt lost: three attempts, then the job and the connection are marked failed with the cause', { timeout: 60_000 }, async () => {
    const { result, calls } = await run('connectionVerifyWorkflow', { verify: 'lost' });
    expect(result).toBe('failed');
    expect(calls.verify).toBe(3);
    expect(calls.failed).toEqual(['the verification did not complete (verify attempt 3 lost); verify again']);
  });
});

describe('connection delete workflow', () => {
  it('stops the schedules, waits for the run in progress, then deletes', { timeout: 60_000 }, async () => {
    const { result, calls, elapsedMs } = await run('connectionDeleteWorkflow', { runningPolls: 3 });
    expect(result).toBe('succeeded');
    expect(calls).toMatchObject({ stopped: 1, polls: 4, finished: 1, failed: [] });
    // Three 2-second waits, in workflow time.
    expect(elapsedMs).toBeGreaterThanOrEqual(6_000);
  });

  it('a run that never ends is waited for 30 minutes, then the delete goes ahead', { timeout: 60_000 }, async () => {
    const { result, calls, elapsedMs } = await run('connectionDeleteWorkflow', { runningPolls: Number.POSITIVE_INFINITY });
    expect(result).toBe('succeeded');
    expect(calls.polls).toBe(900);
    expect(calls.finished).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it('a step lost on every attempt: the job is failed with the cause and nothing after it runs', { timeout: 120_000 }, async () => {
    const { result, calls } = await run('connectionDeleteWorkflow', { lostStep: 'stopConnectionSchedules' });
    expect(result).toBe('failed');
    expect(calls).toMatchObject({ stopped: 10, polls: 0, finished: 0 });
    expect(calls.failed).toEqual(['the delete did not complete (stop attempt 10 lost); delete again']);
  });
});
