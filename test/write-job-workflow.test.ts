/**
 * The write job workflow against stub activities on the time-skipping server: jobs longer than one
 * execution, a chunk retried after a lost attempt, and a failure no retry can fix.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WRITE_CHUNKS_PER_EXECUTION } from '../workflows/write-job';
import type { WriteJobSummary } from '../services/writes/write-job-runner';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { stubWriteJobActivities, type WriteJobStubOptions } from './helpers/write-job-stubs';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } });
});
afterAll(() => env?.teardown());

async function runJob(opts: WriteJobStubOptions) {
  const taskQueue = uniqueTaskQueue('write-job');
  const stubs = stubWriteJobActivities(opts);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: stubs.activities,
    workflowBundle: await workflowBundle(),
  });
  const workflowId = `write-job-${randomUUID()}`;
  const { result, firstRunId } = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('writeJobWorkflow', { taskQueue, workflowId, args: [{ jobId: randomUUID() }] });
    return { result: (await handle.result()) as WriteJobSummary, firstRunId: handle.firstExecutionRunId };
  });
  let executions = 0;
  for (let runId: string | null | undefined = firstRunId; runId; executions++) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return { result, calls: stubs.calls, executions };
}

describe('write job workflow', () => {
  it('finishes a job of 230 chunks once, across two continue-as-new boundaries', async () => {
    const { result, calls, executions } = await runJob({ chunks: 2 * WRITE_CHUNKS_PER_EXECUTION + 30 });
    expect(executions).toBe(3);
    expect(result).toEqual({ status: 'succeeded', records_total: 23_000, records_succeeded: 23_000, records_failed: 0, records_unknown: 0 });
    expect(calls.chunks).toBe(230);
    expect(calls.finished).toEqual([{}]);
  });

  it('retries a chunk whose attempts were lost, and finishes the job succeeded', async () => {
    const { result, calls } = await runJob({ chunks: 3, failAt: { chunk: 2, kind: 'transient', attempts: 2 } });
    expect(result.status).toBe('succeeded');
    expect(calls.chunks).toBe(5);
    expect(calls.finished).toEqual([{}]);
  });

  it('finishes the job failed, with the reason, at the first fatal chunk', async () => {
    const { result, calls } = await runJob({ chunks: 3, failAt: { chunk: 2, kind: 'fatal' } });
    expect(result.status).toBe('failed');
    expect(calls.chunks).toBe(2);
    expect(calls.finished).toEqual([{ error: 'HubSpot refused the token (check the connection credentials)' }]);
  });
});
