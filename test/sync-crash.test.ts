/**
 * A worker process SIGKILLed mid-run, three times: each new worker resumes from the last
 * committed batch, and the destination ends with exactly the source's records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testEncryptionKey } from './helpers/logger';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';

const root = path.resolve(import.meta.dirname, '..');
let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let dataDir: string;
let syncId: string;
const workers: ChildProcess[] = [];
const taskQueue = `crash-${randomUUID()}`;
const PAGES = 40;
const PAGE_SIZE = 50;

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(PAGES * PAGE_SIZE));
  const c = await configure(s, source, { pageSize: PAGE_SIZE, autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
  dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-crash-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  for (const w of workers) kill(w);
  await source?.close();
  await s?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function kill(w: ChildProcess) {
  try {
    process.kill(-w.pid!, 'SIGKILL');
  } catch {
    // already dead
  }
}

/** `npm run worker`'s entry point in its own process group, against the test's Postgres and Temporal. */
function startWorkerProcess(): ChildProcess {
  const log = openSync(path.join(dataDir, `worker-${workers.length}.log`), 'w');
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['worker.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      DATABASE_URL: s.api.tdb.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ENCRYPTION_KEY: testEncryptionKey,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
    },
  });
  workers.push(child);
  return child;
}

async function committedSeq(runId: string | undefined): Promise<number> {
  const q = s.api.tdb.db.selectFrom('sync_runs').select('progress').where('sync_id', '=', syncId);
  const row = await (runId ? q.where('id', '=', runId) : q).orderBy('start_timestamp', 'desc').executeTakeFirst();
  return (row?.progress as { seq?: number } | undefined)?.seq ?? 0;
}

async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      const logs = workers.map((_, i) => readFileSync(path.join(dataDir, `worker-${i}.log`), 'utf8').slice(-2000)).join('\n---\n');
      throw new Error(`timed out waiting for ${what}; worker output:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('crash safety', () => {
  it('survives SIGKILL of the worker at three points of a run with no record lost or duplicated', async () => {
    // Slow pages, so kills land while pages are being read and written.
    source.intercept = async () => {
      await new Promise((r) => setTimeout(r, 120));
      return undefined;
    };
    const handle = await s.worker.client.workflow.start('syncRunWorkflow', {
      taskQueue,
      workflowId: `crash-${syncId}`,
      args: [{ syncId, heartbeatTimeout: '4 seconds' }],
    });

    let worker = startWorkerProcess();
    for (const killAt of [4, 15, 27]) {
      await waitUntil(async () => (await committedSeq(undefined)) >= killAt, 120_000, `batch ${killAt}`);
      kill(worker);
      const seqAtKill = await committedSeq(undefined);
      worker = startWorkerProcess();
      // The next worker resumes after the last committed batch, not from zero.
      await waitUntil(async () => (await committedSeq(undefined)) > seqAtKill, 120_000, `progress after kill at ${seqAtKill}`);
    }

    const result = await handle.result();
    source.intercept = undefined;
    kill(worker);
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: PAGES * PAGE_SIZE });

    const rows = await destinationRows(s.destPool);
    expect(rows.map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
    expect(rows.every((r) => JSON.stringify(r.raw) === JSON.stringify(source.contacts.get(r.id)))).toBe(true);

    const runs = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: PAGES * PAGE_SIZE });
    // Each crash repeats at most the page in flight: nowhere near a restart from zero.
    expect(source.contactRequests()).toBeLessThanOrEqual(PAGES + 3);
  }, 300_000);
});
