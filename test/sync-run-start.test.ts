/**
 * startSyncRun retried after its insert committed (the worker died before reporting, or the
 * completion was lost) continues its own run instead of opening a second one.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncActivities } from '../activities/sync';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let syncId: string;

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(10));
  const c = await configure(s, source, { autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await source?.close();
  await s?.close();
});

const inWorkflow = (runId: string, attempt: number) => new MockActivityEnvironment({ attempt, workflowExecution: { workflowId: `sync-run-${runId}`, runId } });

describe('startSyncRun', () => {
  it('is idempotent per workflow: a retry finds and continues its own run', async () => {
    const activities = createSyncActivities(s.worker.deps);
    const first = await inWorkflow('exec-1', 1).run(activities.startSyncRun, { syncId });
    const retry = await inWorkflow('exec-1', 2).run(activities.startSyncRun, { syncId });
    expect(retry).toEqual(first);

    const rows = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'IN_PROGRESS', error_message: null, workflow_run_id: 'exec-1' });
  });

  it('still closes a run whose workflow was lost when another workflow opens the next run', async () => {
    const activities = createSyncActivities(s.worker.deps);
    const next = await inWorkflow('exec-2', 1).run(activities.startSyncRun, { syncId });
    const rows = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).orderBy('start_timestamp').execute();
    expect(rows.map((r) => [r.workflow_run_id, r.status])).toEqual([
      ['exec-1', 'FAILURE'],
      ['exec-2', 'IN_PROGRESS'],
    ]);
    expect(rows[0]!.error_message).toMatch(/interrupted/);
    expect(next).toMatchObject({ runId: rows[1]!.id, strategy: 'full' });
  });
});
