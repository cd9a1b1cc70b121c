/**
 * `npm run worker`'s entry point (worker.ts) as real child processes, each in its own process
 * group so a test can SIGKILL one mid-run, against the test's Postgres and Temporal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { testEncryptionKey } from './logger';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface WorkerProcesses {
  /** Scratch dir (DATA_DIR of the workers, their logs). */
  readonly dataDir: string;
  /** Starts another worker process on the task queue. */
  start(): ChildProcess;
  /** SIGKILLs the worker's whole process group (tsx and node). */
  kill(worker: ChildProcess): void;
  /** SIGKILLs every worker started so far. */
  killAll(): void;
  /** The tail of every worker's output, for failure messages. */
  logs(maxPerWorker?: number): string;
  /** Kills every worker still running and removes the scratch dir. */
  close(): Promise<void>;
}

export async function createWorkerProcesses(opts: { databaseUrl: string; taskQueue: string; env?: Record<string, string> }): Promise<WorkerProcesses> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-worker-'));
  // Postgres-owned files aside, the worker may run as another user: make the dir reachable.
  await chmod(dataDir, 0o755);
  const workers: ChildProcess[] = [];
  const logFile = (i: number) => path.join(dataDir, `worker-${i}.log`);

  const kill = (w: ChildProcess) => {
    try {
      process.kill(-w.pid!, 'SIGKILL');
    } catch {
      // already dead
    }
  };

  const killAll = () => {
    for (const w of workers) kill(w);
  };

  return {
    dataDir,
    start() {
      const log = openSync(logFile(workers.length), 'w');
      const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['worker.ts'], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          ...process.env,
          DATABASE_URL: opts.databaseUrl,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_TASK_QUEUE: opts.taskQueue,
          ENCRYPTION_KEY: testEncryptionKey,
          DATA_DIR: dataDir,
          LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
          // Several workers at once: none on the default metrics port (a test that scrapes passes its own).
          METRICS_PORT: '0',
          ...opts.env,
        },
      });
      workers.push(child);
      return child;
    },
    kill,
    killAll,
    logs(maxPerWorker = 2000) {
      return workers
        .map((_, i) => {
          try {
            return readFileSync(logFile(i), 'utf8').slice(-maxPerWorker);
          } catch {
            return '';
          }
        })
        .join('\n---\n');
    },
    async close() {
      killAll();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `cond` every 50 ms; on timeout the error carries `context()` (e.g. the workers' logs). */
export async function waitUntil(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `; worker output:\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
