/**
 * `npm start` at a terminal (a real pseudo-terminal, through util-linux `script`): readable log
 * lines instead of JSON, no webpack bundle report, and the banner with the URLs and the key last.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports';

const root = path.resolve(import.meta.dirname, '..');
let dataDir: string | undefined;
let pid: number | undefined;

afterAll(async () => {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');

describe('npm start at a terminal', () => {
  it('prints readable lines, no bundle report, and the banner last', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-tty-'));
    await chmod(dataDir, 0o755);
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
    const child = spawn('script', ['-qfec', 'npm start --silent', '/dev/null'], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    pid = child.pid;
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 120_000;
    while (!/API key\s+\S+/.test(stripAnsi(out))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no banner:\n${out}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Whatever start-up still had to say has been said by now.
    await new Promise((r) => setTimeout(r, 3_000));
    const text = stripAnsi(out);
    process.kill(-child.pid!, 'SIGINT');

    expect(text).not.toMatch(/\{"level":/);
    expect(text).not.toMatch(/webpack|modules by path|asset workflow-bundle|Workflow bundle created/i);
    expect(text).toMatch(/INFO.*embedded PostgreSQL started/);
    // The SDK's own lines come through our logger too, not in a format of their own.
    expect(text).not.toMatch(/\[INFO\] Worker state changed|\[WARN\]/);
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    expect(lines.at(-1)).toMatch(/API key\s+\S+/);
    expect(lines.at(-5)).toMatch(/API\s+http:\/\/localhost:\d+\/mgmt\/v2/);
  }, 180_000);
});
