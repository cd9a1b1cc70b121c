/**
 * Starts a real BigQuery emulator (`bqemulator` from PyPI, installed by
 * scripts/install-bigquery-emulator.sh) on loopback with a random port, for integration tests.
 * It is an emulator (DuckDB underneath), not BigQuery: auth, IAM and quotas are not modelled.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL_SCRIPT = `${ROOT}scripts/install-bigquery-emulator.sh`;

/**
 * Launch shim: DuckDB's spatial extension (GEOGRAPHY only) is downloaded at boot, which is not
 * possible offline, so that one step is skipped; everything else is the stock CLI.
 */
const SHIM = [
  'import sys',
  'from bqemulator.storage import engine',
  'engine.DuckDBEngine._load_spatial = lambda self: None',
  'from bqemulator.cli import main',
  "sys.argv[0] = 'bqemulator'",
  'main()',
].join('\n');

export interface BigQueryEmulator {
  /** e.g. `http://127.0.0.1:41234`, for the writer's `api_endpoint`. */
  endpoint: string;
  projectId: string;
  stop(): Promise<void>;
}

/** Runs the (idempotent) install script; returns the venv's python. */
export function ensureBigQueryEmulatorInstalled(): string {
  const out = execFileSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const python = out.trim().split('\n').pop();
  if (!python) throw new Error('install-bigquery-emulator.sh printed no python path');
  return python;
}

async function waitReady(endpoint: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`bigquery emulator exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${endpoint}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`bigquery emulator not ready after ${timeoutMs} ms:\n${log()}`);
}

export async function startBigQueryEmulator(opts: { projectId?: string; timeoutMs?: number } = {}): Promise<BigQueryEmulator> {
  const python = ensureBigQueryEmulatorInstalled();
  const projectId = opts.projectId ?? 'test-project';
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const args = ['start', '--rest-host', '127.0.0.1', '--rest-port', String(port), '--grpc-host', '127.0.0.1', '--grpc-port', '0'];
  const child = spawn(python, ['-c', SHIM, ...args, '--ephemeral', '--project', projectId, '--log-level', 'warning'], {
    env: { ...process.env, BQEMU_ENABLE_FORMAT_EXTENSIONS: 'false', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(endpoint, child, () => output, opts.timeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, projectId, stop };
}
