/**
 * `npm start` next to a busy port (a real listener on it): it refuses before starting anything,
 * with one plain line per busy port naming the setting that moves it, and no stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports';

const root = path.resolve(import.meta.dirname, '..');
const listeners: net.Server[] = [];
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function occupy(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => resolve());
    listeners.push(srv);
  });
}

function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['start', '--silent'], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ports() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-ports-'));
  dirs.push(dataDir);
  return {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
  };
}

describe('npm start with a busy port', () => {
  it("says in one line that Temporal's port is taken and how to use that server or move ours, and starts nothing", async () => {
    const env = await ports();
    await occupy(Number(env.TEMPORAL_PORT));
    const res = await start(env);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      `port ${env.TEMPORAL_PORT} is in use — set TEMPORAL_ADDRESS=localhost:${env.TEMPORAL_PORT} to use that Temporal server, or TEMPORAL_PORT to move ours`,
    );
    expect(res.stdout).not.toMatch(/"level"|at .*\.ts:\d+/);
    // Nothing was started: no Postgres cluster initialised.
    expect(existsSync(path.join(env.DATA_DIR, 'postgres'))).toBe(false);
  });

  it('checks the API port before starting Postgres, Temporal and the worker, one line per busy port', async () => {
    const env = await ports();
    await occupy(Number(env.PORT), '0.0.0.0');
    await occupy(Number(env.EMBEDDED_POSTGRES_PORT));
    const res = await start(env);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      `port ${env.EMBEDDED_POSTGRES_PORT} (embedded PostgreSQL) is in use — set EMBEDDED_POSTGRES_PORT to move ours, or DATABASE_URL to use that server`,
      `port ${env.PORT} (API) is in use — set PORT to move it`,
    ]);
    expect(existsSync(path.join(env.DATA_DIR, 'postgres'))).toBe(false);
    expect(existsSync(path.join(env.DATA_DIR, 'temporal'))).toBe(false);
  });
});
