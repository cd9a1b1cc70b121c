/**
 * The production build runs on production dependencies alone, as in the image: `npm run build` into a
 * scratch app directory whose node_modules is the project's pruned by npm itself (`npm prune --omit=dev`
 * on a hard-linked copy: no network, and nothing above the directory to fall back on), then plain
 * `node dist/worker.js` and `node dist/server.js` there, without tsx or any loader. The worker starts
 * from the prebuilt workflow bundle and completes a sync run; both serve /health and stop with 0 on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { testEncryptionKey } from './helpers/logger';
import { freePort } from './helpers/ports';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';
import { waitUntil } from './helpers/worker-process';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const RECORDS = 250;

let app: string;
let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
const children: Array<{ child: ChildProcess; output: () => string }> = [];

/** A built entry point with a minimal environment: no NODE_OPTIONS, no loader, no NODE_PATH. */
function startBuilt(entry: string, env: Record<string, string>) {
  let out = '';
  const child = spawn(process.execPath, [`dist/${entry}`], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(app, 'data'), LOG_LEVEL: 'info', LOG_FORMAT: 'json', ENCRYPTION_KEY: testEncryptionKey, ...env },
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const started = { child, output: () => out };
  children.push(started);
  return started;
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  app = await mkdtemp(path.join(tmpdir(), 'syncwell-prod-'));
  await chmod(app, 0o755);
  await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/build.ts', '--outdir', path.join(app, 'dist')], { cwd: ROOT });
  for (const f of ['package.json', 'package-lock.json']) await copyFile(path.join(ROOT, f), path.join(app, f));
  // Hard links cost no space or time; across file systems (a tmpfs /tmp) a copy does the same.
  // A checkout may link its node_modules from elsewhere: copy what the link points to.
  const modules = realpathSync(path.join(ROOT, 'node_modules'));
  await run('cp', ['-al', modules, path.join(app, 'node_modules')]).catch(async () => {
    await rm(path.join(app, 'node_modules'), { recursive: true, force: true });
    await run('cp', ['-a', modules, path.join(app, 'node_modules')]);
  });
  await run('npm', ['prune', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app });

  s = await startScenario();
  source = await startSourceApi(makeContacts(RECORDS));
}, 180_000);

afterAll(async () => {
  for (const { child } of children) child.kill('SIGKILL');
  await source?.close();
  await s?.close();
  if (app) await rm(app, { recursive: true, force: true });
});

describe('the production build', () => {
  it('has only production dependencies to run on', () => {
    for (const dev of ['tsx', 'esbuild', 'vitest', 'typescript', '@temporalio/testing']) expect(existsSync(path.join(app, 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', '@temporalio', 'worker'))).toBe(true);
    // Node resolves packages up the tree: nothing above the app may have a node_modules to fall back on.
    for (let dir = path.dirname(app); dir !== path.dirname(dir); dir = path.dirname(dir)) expect(existsSync(path.join(dir, 'node_modules')), dir).toBe(false);
  });

  it('runs a worker from the prebuilt workflow bundle that serves /health and completes a sync run', async () => {
    const taskQueue = `prod-${randomUUID()}`;
    const healthPort = await freePort();
    const worker = startBuilt('worker.js', {
      DATABASE_URL: s.api.tdb.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKER_HEALTH_PORT: String(healthPort),
      // Off: the metrics listener's default port would collide with other workers on this machine.
      METRICS_PORT: '0',
    });
    await waitUntil(async () => (await status(`http://127.0.0.1:${healthPort}/health`)) === 200, 60_000, 'the built worker /health', worker.output);
    const prebuilt = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; codePath?: string })
      .find((l) => l.msg.startsWith('workflow bundle'));
    expect(prebuilt).toMatchObject({ msg: 'workflow bundle: prebuilt', codePath: path.join(app, 'dist', 'workflow-bundle.js') });

    const c = await configure(s, source, { autoStart: false });
    await c.connect();
    const syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
    // Only the built worker polls this task queue.
    const result = await s.worker.client.workflow.execute('syncRunWorkflow', { taskQueue, workflowId: `prod-${syncId}`, args: [{ syncId }] });
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: RECORDS });
    expect((await destinationRows(s.destPool)).map((r) => r.id)).toEqual([...source.contacts.keys()].sort());

    worker.child.kill('SIGTERM');
    expect(await exited(worker.child), worker.output()).toBe(0);
  });

  it('serves the API: /health, /ready and the API reference with its assets', async () => {
    const port = await freePort();
    const api = startBuilt('server.js', {
      DATABASE_URL: s.api.tdb.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEY: `prod-${randomBytes(12).toString('hex')}`,
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await status(`${base}/health`)) === 200, 60_000, 'the built API /health', api.output);
    expect(await status(`${base}/ready`)).toBe(200);
    expect(await status(`${base}/mgmt/v2/openapi.json`)).toBe(200);
    expect(await status(`${base}/docs/assets/swagger-ui-bundle.js`)).toBe(200);

    api.child.kill('SIGTERM');
    expect(await exited(api.child), api.output()).toBe(0);
  });
});
