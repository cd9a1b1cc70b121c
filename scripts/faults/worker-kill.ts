/**
 * SIGKILL of the worker that runs a sync, at three points of its run; the other worker takes over
 * and the destination ends with exactly the source's records. The points are made exact rather
 * than timed: the kill happens from inside the source's page handler, or while the fault runner
 * holds a row lock that the worker's next write waits on.
 */
import type pg from 'pg';
import { scheduleIdFor } from '../../services/orchestration/sync-schedules';
import type { Scenario } from './scenario';
import type { RoleProcess } from './processes';
import type { Stack } from './stack';
import { compare, exact, finishedRun, runsOf, setUpSync, waitUntil } from './sync-under-test';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The running workflow of a sync's Schedule (started by auto-start or a trigger). */
export async function runningWorkflowId(stack: Stack, syncId: string, timeoutMs = 60_000): Promise<string> {
  let id: string | undefined;
  await waitUntil('the sync’s run in Temporal', timeoutMs, async () => {
    const d = await stack.temporal.schedule.getHandle(scheduleIdFor(syncId)).describe();
    id = d.info.runningActions[0]?.workflow.workflowId;
    return id !== undefined;
  });
  return id!;
}

async function killActivityWorker(stack: Stack, workflowId: string): Promise<RoleProcess> {
  let worker: RoleProcess | undefined;
  await waitUntil('a worker running the run’s activity', 10_000, async () => {
    worker = await stack.workerRunningActivity(workflowId);
    return worker !== undefined;
  });
  await stack.killWorker(worker!);
  return worker!;
}

/** Holds `select … for update` on one row until released: the worker's write to it waits. */
async function lockRow(stack: Stack, table: 'sync_runs' | 'syncs', id: string): Promise<{ release(): Promise<void> }> {
  const client: pg.PoolClient = await stack.db.connect();
  await client.query('begin');
  await client.query(`select id from ${table} where id = $1 for update`, [id]);
  return {
    async release() {
      await client.query('rollback').catch(() => undefined);
      client.release();
    },
  };
}

/** Whether some backend waits for a lock, running a statement on `table`. */
async function someoneWaitsOn(stack: Stack, table: string): Promise<boolean> {
  const { rows } = await stack.db.query(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query ilike $1`, [`%"${table}"%`]);
  return rows.length > 0;
}

const RECORDS = 3000;

export const workerKillReading: Scenario = {
  name: 'worker-kill-reading',
  fast: true,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-kill-reading', { records: RECORDS });
    try {
      let syncId = '';
      let killed: Promise<RoleProcess> | undefined;
      const KILL_AT = 12;
      s.source.intercept = async () => {
        await sleep(80);
        // This page's answer goes to a dead worker: the kill happens while its request is in flight.
        if (!killed && s.source.contactRequests() === KILL_AT) killed = runningWorkflowId(stack, syncId).then((wf) => killActivityWorker(stack, wf));
        if (killed && s.source.contactRequests() === KILL_AT) await killed.catch(() => undefined);
        return undefined;
      };
      syncId = await s.connect();
      const run = await finishedRun(stack, syncId, 180_000);
      if (!killed) throw new Error('the run finished before the kill');
      const victim = await killed;
      const proof = exact(await compare(stack, s), run);
      return {
        ok: proof.ok,
        line: `worker SIGKILL while reading pages (${victim.name} killed with page request ${KILL_AT} in flight, the other worker took over): ${proof.text}`,
      };
    } finally {
      await s.close();
    }
  },
};

export const workerKillBetweenCommits: Scenario = {
  name: 'worker-kill-commit',
  fast: true,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-kill-commit', { records: RECORDS });
    try {
      s.source.intercept = () => sleep(50).then(() => undefined);
      const syncId = await s.connect();
      let runId = '';
      await waitUntil('two committed batches', 120_000, async () => {
        const run = (await runsOf(stack, syncId))[0];
        runId = run?.id ?? '';
        return (run?.progress.seq ?? 0) >= 2;
      });
      const workflowId = await runningWorkflowId(stack, syncId);
      const lock = await lockRow(stack, 'sync_runs', runId);
      let atKill = { destination: 0, committed: 0 };
      let victim: RoleProcess;
      try {
        // The next batch reaches the destination and commits there; its progress commit waits for our lock.
        await waitUntil('a destination batch ahead of its progress commit', 60_000, async () => {
          const committed = (await runsOf(stack, syncId))[0]!.num_records_synced;
          const destination = (await compare(stack, s)).destination;
          atKill = { destination, committed };
          return destination > committed && (await someoneWaitsOn(stack, 'sync_runs'));
        });
        victim = await killActivityWorker(stack, workflowId);
      } finally {
        await lock.release();
      }
      const run = await finishedRun(stack, syncId, 180_000);
      const proof = exact(await compare(stack, s), run);
      return {
        ok: proof.ok,
        line: `worker SIGKILL between a destination batch commit and its progress commit (${victim.name} killed with ${atKill.destination} rows at the destination, ${atKill.committed} committed in the run): ${proof.text}`,
      };
    } finally {
      await s.close();
    }
  },
};

export const workerKillAtFinish: Scenario = {
  name: 'worker-kill-finish',
  // The killed finish activity is retried only after its 2 minute start-to-close timeout.
  fast: false,
  async run(stack) {
    const s = await setUpSync(stack, 'faults-kill-finish', { records: 1000 });
    try {
      s.source.intercept = () => sleep(50).then(() => undefined);
      const syncId = await s.connect();
      const workflowId = await runningWorkflowId(stack, syncId);
      // Opening a run locks the sync's row too: wait for it to be open.
      await waitUntil('the run to open', 60_000, async () => (await runsOf(stack, syncId)).length > 0);
      // After that only finishing the run locks the sync's row (with the run's status already updated, uncommitted).
      const lock = await lockRow(stack, 'syncs', syncId);
      let victim: RoleProcess;
      let killedAt = 0;
      try {
        await waitUntil('the run’s finish waiting on the sync’s row', 120_000, async () => {
          const committed = (await runsOf(stack, syncId))[0]?.num_records_synced ?? 0;
          return committed === s.source.contacts.size && (await someoneWaitsOn(stack, 'syncs'));
        });
        victim = await killActivityWorker(stack, workflowId);
        killedAt = Date.now();
      } finally {
        await lock.release();
      }
      const run = await finishedRun(stack, syncId, 240_000);
      const recovery = Math.round((Date.now() - killedAt) / 1000);
      const proof = exact(await compare(stack, s), run);
      return {
        ok: proof.ok,
        line: `worker SIGKILL during the run's finish (${victim.name} killed in finishSyncRun, the other worker finished it ${recovery} s later): ${proof.text}`,
      };
    } finally {
      await s.close();
    }
  },
};
