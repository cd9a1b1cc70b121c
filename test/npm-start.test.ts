/**
 * What a new user does: `npm start`, open the URLs, Ctrl-C, start again.
 * Ctrl-C is simulated as SIGINT to the whole process group, as a terminal sends it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports';

const root = path.resolve(import.meta.dirname, '..');
let dataDir: string;
const running: ChildProcess[] = [];

afterAll(async () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // whatever a failed test left of the group
    } catch {
      // already gone
    }
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Started {
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    detached: true, // own process group, like a terminal job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(url: string, started: Started, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {
      // not listening yet
    }
    if (started.child.exitCode !== null) throw new Error(`npm start exited early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} not up after ${timeoutMs} ms:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function ctrlC(started: Started): Promise<void> {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function processesUsing(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(dir) && !line.includes('ps -eo'));
}

async function temporalContents(address: string): Promise<{ executions: Array<{ workflowId: string; type: string }>; schedules: string[] }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const executions = [];
    for await (const w of client.workflow.list()) executions.push({ workflowId: w.workflowId, type: w.type });
    const schedules = [];
    for await (const sc of client.schedule.list()) schedules.push(sc.scheduleId);
    return { executions, schedules };
  } finally {
    await connection.close();
  }
}

describe('npm start', () => {
  it('brings up the API and the Temporal UI, stops cleanly on Ctrl-C, and keeps its data across restarts', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-start-'));
    await chmod(dataDir, 0o755);
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    };
    const api = `http://127.0.0.1:${env.PORT}`;

    const first = npmStart(env);
    const health = await waitFor(`${api}/health`, first, 90_000);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ui = await waitFor(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`, first, 30_000);
    expect(await ui.text()).toMatch(/<html/i);
    const ready = await waitFor(`${api}/ready`, first, 30_000);
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
    const readyAt = Date.now();

    // The banner names every URL and the first application's key.
    await expect.poll(() => first.output(), { timeout: 10_000 }).toMatch(/API key\s+sk_\S+/);
    const out = first.output();
    expect(out).toContain(`/mgmt/v2`);
    expect(out).toContain(`/docs`);
    expect(out).toContain(`http://localhost:${env.TEMPORAL_UI_PORT}`);
    const apiKey = /API key\s+(sk_\S+)/.exec(out)![1]!;

    // The README's curl walkthrough, as written (only the ports differ), against this instance.
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const script = /## Walkthrough[\s\S]*?```sh\n([\s\S]*?)```/
      .exec(readme)![1]!
      .replace(/^export BASE=.*$/m, `export BASE=${api}/mgmt/v2`)
      .replace(/^export API_KEY=.*$/m, `export API_KEY=${apiKey}`)
      .replaceAll('"port":54329', `"port":${env.EMBEDDED_POSTGRES_PORT}`);
    // Async, not spawnSync: a blocked event loop would leave fetch holding keep-alive sockets the server closed.
    const walk = await run('bash', ['-euo', 'pipefail', '-c', script]);
    expect(walk.code, walk.stderr + walk.stdout).toBe(0);
    expect(walk.stdout).not.toMatch(/"errors"/);
    const headers = { 'x-api-key': apiKey };
    await expect
      .poll(
        async () =>
          (
            (await (await fetch(`${api}/mgmt/v2/sync-runs?customer_id=acme`, { headers })).json()) as { results: Array<{ status: string; num_records_synced: number }> }
          ).results.filter((r) => r.status === 'SUCCESS').length,
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(1);
    const pgUrl = `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/syncwell`;
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    const { rows } = await client.query('select _supaglue_id, _supaglue_raw_data from synced.syncwell_customers_customers');
    await client.end();
    expect(rows).toEqual([{ _supaglue_id: 'acme', _supaglue_raw_data: expect.objectContaining({ customer_id: 'acme', name: 'Acme Inc' }) }]);

    // `npm run cli` works against the running instance's data; the key is alone on the last line.
    const cli = await run('npm', ['run', '--silent', 'cli', '--', 'applications', 'create', '--name', 'second-app'], { ...process.env, ...env, LOG_LEVEL: 'warn' });
    expect(cli.code, cli.stderr).toBe(0);
    const secondKey = cli.stdout.trim().split('\n').at(-1)!;
    expect(secondKey).toMatch(/^sk_\S+$/);
    const asSecond = await fetch(`${api}/mgmt/v2/customers`, { headers: { 'x-api-key': secondKey } });
    expect(asSecond.status).toBe(200);
    expect(await asSecond.json()).toEqual([]); // its own, empty tenant

    // The production topology: `npm run api` alone, against the Postgres and Temporal this instance runs.
    const apiPort = String(await freePort());
    const apiOnly = spawn('npm', ['run', 'api'], {
      cwd: root,
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        PORT: apiPort,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/syncwell`,
        TEMPORAL_ADDRESS: `127.0.0.1:${env.TEMPORAL_PORT}`,
      },
    });
    running.push(apiOnly);
    const apiOnlyStarted: Started = { child: apiOnly, output: () => '', exited: new Promise((r) => apiOnly.once('exit', r)) };
    const apiReady = await waitFor(`http://127.0.0.1:${apiPort}/ready`, apiOnlyStarted, 60_000);
    expect(((await apiReady.json()) as { status: string }).status).toBe('ready');
    expect((await fetch(`http://127.0.0.1:${apiPort}/mgmt/v2/customers`, { headers: { 'x-api-key': secondKey } })).status).toBe(200);
    await ctrlC(apiOnlyStarted);

    // A minute in, what an operator sees in the Temporal UI is the sync runs, and no more than a
    // few other executions (the webhook dispatcher and the reconciler used to add one every 5 s / 10 min).
    await new Promise((r) => setTimeout(r, Math.max(0, readyAt + 60_000 - Date.now())));
    const { executions, schedules } = await temporalContents(`127.0.0.1:${env.TEMPORAL_PORT}`);
    const isSync = (w: { workflowId: string; type: string }) => w.workflowId.startsWith('sync:') && w.type === 'syncRunWorkflow';
    expect(executions.filter(isSync).length).toBeGreaterThanOrEqual(1);
    const others = executions.filter((w) => !isSync(w));
    expect(others.length, JSON.stringify(others)).toBeLessThanOrEqual(3);
    expect(schedules.sort()).toEqual([expect.stringMatching(/^sync:/), 'syncwell:reconciler']);

    await ctrlC(first);
    // npm itself may exit before its children finish their graceful shutdown.
    await expect.poll(() => processesUsing(dataDir), { timeout: 20_000, interval: 250 }).toEqual([]);

    // Second start: same data, so the key printed by the first start still authenticates.
    const second = npmStart(env);
    await waitFor(`${api}/health`, second, 90_000);
    const authed = await fetch(`${api}/mgmt/v2/no-such-route`, { headers: { 'x-api-key': apiKey } });
    expect(authed.status).toBe(404); // authenticated, then not found — an unknown key would get 401
    const unknown = await fetch(`${api}/mgmt/v2/no-such-route`, { headers: { 'x-api-key': 'sk_unknown' } });
    expect(unknown.status).toBe(401);
    expect(second.output()).not.toMatch(/API key\s+sk_/); // printed once, on first start only

    await ctrlC(second);
    await expect.poll(() => processesUsing(dataDir), { timeout: 20_000, interval: 250 }).toEqual([]);
  }, 300_000);
});
