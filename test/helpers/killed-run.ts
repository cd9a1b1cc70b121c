/**
 * A sync run that loses its worker to a SIGKILL: started on a fresh worker process, killed once
 * two batches are committed, and finished by another. For the crash tests that then compare the
 * destination with the source.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import type { SyncRunResult } from '../../workflows/sync-run';
import { waitUntil, type WorkerProcesses } from './worker-process';

export async function latestSyncRun(db: Db, syncId: string) {
  return db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).orderBy('start_timestamp', 'desc').executeTakeFirstOrThrow();
}

/** The last batch the sync's latest run committed (0: none). */
export async function committedSeq(db: Db, syncId: string): Promise<number> {
  return ((await latestSyncRun(db, syncId)).progress as { seq?: number } | undefined)?.seq ?? 0;
}

/** Runs a run of the sync (incremental unless said) to its end with one SIGKILL of its worker in between. */
export async function runKilledOnce(opts: {
  db: Db;
  client: Client;
  workers: WorkerProcesses;
  taskQueue: string;
  workflowId: string;
  syncId: string;
  strategy?: 'full' | 'incremental';
}) {
  const { db, workers, syncId } = opts;
  const handle = await opts.client.workflow.start('syncRunWorkflow', {
    taskQueue: opts.taskQueue,
    workflowId: opts.workflowId,
    args: [{ syncId, heartbeatTimeout: '4 seconds' }],
  });
  let worker = workers.start();
  await waitUntil(
    async () => (await latestSyncRun(db, syncId)).strategy === (opts.strategy ?? 'incremental') && (await committedSeq(db, syncId)) >= 2,
    120_000,
    'two batches',
    () => workers.logs(),
  );
  workers.kill(worker);
  const seqAtKill = await committedSeq(db, syncId);
  worker = workers.start();
  const result = (await handle.result()) as SyncRunResult;
  workers.kill(worker);
  return { result, seqAtKill, seqAtEnd: await committedSeq(db, syncId), run: await latestSyncRun(db, syncId) };
}
