/**
 * The workflow runs whose histories are kept as replay fixtures: each runs today's workflow code
 * against stub activities on the time-skipping server. `npm run test:record-histories` records
 * them into test/replay/histories/ (on purpose only: see the README's "Changing a workflow").
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DestinationTestActivities } from '../../activities/destination-test';
import type { DiscoverActivities } from '../../activities/discover';
import type { WebhookActivities } from '../../activities/webhooks';
import { stubSyncActivities, type StubRunOptions } from '../helpers/sync-run-stubs';
import { stubWriteJobActivities, type WriteJobStubOptions } from '../helpers/write-job-stubs';
import { stubSyncJobActivities, type SyncJobStubOptions } from '../helpers/sync-job-stubs';
import { stubConnectionJobActivities, type ConnectionJobStubOptions } from '../helpers/connection-job-stubs';

export interface RecordedExecution {
  /** File name stem: `<scenario>` or `<scenario>.<n>` for the executions of a continued run. */
  name: string;
  workflowId: string;
  history: unknown;
}

interface Scenario {
  name: string;
  workflowType: string;
  args: unknown[];
  activities: object;
}

const syncRun = (name: string, opts: StubRunOptions): Scenario => ({
  name,
  workflowType: 'syncRunWorkflow',
  args: [{ syncId: randomUUID() }],
  activities: stubSyncActivities(opts).activities,
});

function webhookDelivery(): Scenario {
  // Endpoint A: a lost attempt (the activity fails), a 5xx, then delivered. Endpoint B: gone (410).
  const answers: Record<string, Array<'throw' | 'retry' | 'delivered' | 'gone'>> = { 'endpoint-a': ['throw', 'retry', 'delivered'], 'endpoint-b': ['gone'] };
  const activities: Pick<WebhookActivities, 'listWebhookTargets' | 'attemptWebhookDelivery' | 'recordLostWebhookAttempt'> = {
    async listWebhookTargets() {
      return Object.keys(answers);
    },
    async attemptWebhookDelivery(input) {
      const answer = answers[input.endpointId]![input.attempt - 1]!;
      if (answer === 'throw') throw ApplicationFailure.nonRetryable('worker lost mid-request', 'Error');
      return { outcome: answer } as Awaited<ReturnType<WebhookActivities['attemptWebhookDelivery']>>;
    },
    async recordLostWebhookAttempt() {},
  };
  return { name: 'webhook-delivery-retries', workflowType: 'webhookDeliveryWorkflow', args: [{ eventId: randomUUID() }], activities };
}

function destinationTest(outcome: 'succeeded' | 'lost'): Scenario {
  const activities: Pick<DestinationTestActivities, 'runDestinationTest' | 'failDestinationTestJob'> = {
    async runDestinationTest() {
      if (outcome === 'lost') throw new Error(`test attempt ${Context.current().info.attempt} lost`);
      return { status: 'succeeded' };
    },
    async failDestinationTestJob() {},
  };
  return { name: `destination-test-${outcome}`, workflowType: 'destinationTestWorkflow', args: [{ jobId: randomUUID() }], activities };
}

function discover(outcome: 'succeeded' | 'lost'): Scenario {
  const activities: DiscoverActivities = {
    async runDiscovery() {
      if (outcome === 'lost') throw new Error(`discovery attempt ${Context.current().info.attempt} lost`);
      return 'succeeded';
    },
    async failDiscovery() {},
  };
  return { name: `discover-${outcome}`, workflowType: 'discoverWorkflow', args: [{ applicationId: randomUUID(), connectionId: randomUUID() }], activities };
}

const writeJob = (name: string, opts: WriteJobStubOptions): Scenario => ({
  name,
  workflowType: 'writeJobWorkflow',
  args: [{ jobId: randomUUID() }],
  activities: stubWriteJobActivities(opts).activities,
});

const syncJob = (name: string, opts: SyncJobStubOptions): Scenario => ({
  name,
  workflowType: 'syncJobWorkflow',
  args: [{ jobId: randomUUID() }],
  activities: stubSyncJobActivities(opts).activities,
});

const connectionJob = (name: string, workflowType: 'connectionVerifyWorkflow' | 'connectionDeleteWorkflow', opts: ConnectionJobStubOptions): Scenario => ({
  name,
  workflowType,
  args: [{ jobId: randomUUID() }],
  activities: stubConnectionJobActivities(opts).activities,
});

export const scenarios = (): Scenario[] => [
  // 50 + 50 + 7 chunks: three executions, two continue-as-new boundaries.
  syncRun('sync-run-continued', { chunks: 107 }),
  syncRun('sync-run-paused-auth', { chunks: 5, failAt: { chunk: 2, kind: 'pause' } }),
  syncRun('sync-run-retried-chunk', { chunks: 3, failAt: { chunk: 2, kind: 'transient', attempts: 2 } }),
  syncRun('sync-run-failed', { chunks: 3, failAt: { chunk: 2, kind: 'fatal' } }),
  // Refused a tenant chunk slot twice before the first chunk and once between chunks: timers, then the chunks.
  syncRun('sync-run-throttled', {
    chunks: 3,
    throttle: (ask) => ([1, 2, 4].includes(ask) ? { waitingSince: '2026-12-01T10:00:00.000Z', retryInMs: 2000 * ask, ahead: 4 - ask } : undefined),
  }),
  webhookDelivery(),
  destinationTest('succeeded'),
  destinationTest('lost'),
  // 100 + 5 chunks: one continue-as-new boundary.
  writeJob('write-job-continued', { chunks: 105 }),
  writeJob('write-job-retried-chunk', { chunks: 3, failAt: { chunk: 2, kind: 'transient', attempts: 2 } }),
  writeJob('write-job-failed', { chunks: 3, failAt: { chunk: 2, kind: 'fatal' } }),
  discover('succeeded'),
  discover('lost'),
  syncJob('sync-job-polled', { steps: 3 }),
  syncJob('sync-job-retried-step', { steps: 3, lostAt: { step: 2, attempts: 2 } }),
  // 100 + 5 steps: one continue-as-new boundary.
  syncJob('sync-job-continued', { steps: 105 }),
  connectionJob('connection-verify-succeeded', 'connectionVerifyWorkflow', { verify: 'succeeded' }),
  connectionJob('connection-verify-lost', 'connectionVerifyWorkflow', { verify: 'lost' }),
  connectionJob('connection-delete-waited', 'connectionDeleteWorkflow', { runningPolls: 2 }),
  connectionJob('connection-delete-lost', 'connectionDeleteWorkflow', { lostStep: 'finishConnectionDelete' }),
];

/** Runs one scenario to its end and returns the history of every execution of its chain. */
export async function runScenario(env: TestWorkflowEnvironment, workflowBundle: { code: string }, scenario: Scenario): Promise<RecordedExecution[]> {
  const taskQueue = `record-${scenario.name}-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, activities: scenario.activities, workflowBundle });
  const workflowId = `${scenario.name}-${randomUUID()}`;
  const first = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(scenario.workflowType, { taskQueue, workflowId, args: scenario.args });
    await env.client.workflow.getHandle(workflowId).result();
    return handle.firstExecutionRunId;
  });
  const executions: RecordedExecution[] = [];
  for (let runId: string | undefined = first; runId; ) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    executions.push({ name: scenario.name, workflowId, history });
    const last = history.events?.at(-1);
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  if (executions.length > 1) {
    executions.forEach((e, i) => {
      e.name = `${scenario.name}.${i + 1}`;
    });
  }
  return executions;
}
