/**
 * Runs `temporal server start-dev` as a child process: persistent SQLite under
 * DATA_DIR, the Web UI, and our search attributes registered at boot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from './search-attributes';
import type { Logger } from './logger';
import { freePort } from './ports';
import { stopChild } from './processes';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  /**
   * Frontend gRPC port. 'auto': a free one, and another if the server dies at start-up (it also
   * binds ports of its own next to it, which another process may hold).
   */
  port: number | 'auto';
  uiPort?: number;
  namespace: string;
  logger?: Logger;
}

export interface DevServerHandle {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  if (opts.port !== 'auto') return startOnPort(opts, opts.port);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(opts, await freePort());
    } catch (err) {
      if (attempt >= 3 || !(err instanceof EarlyExitError)) throw err;
      opts.logger?.warn({ err: err.message }, 'temporal dev server died at start-up; trying other ports');
    }
  }
}

class EarlyExitError extends Error {}

async function startOnPort(opts: DevServerOptions, port: number): Promise<DevServerHandle> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', opts.namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (opts.dbFile) {
    await mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // The head says why it failed (a Go panic's reason comes before its long stack), the tail how.
  let head = '';
  let tail = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < 2000) head += text.slice(0, 2000 - head.length);
    tail = (tail + text).slice(-2000);
    opts.logger?.debug({ component: 'temporal' }, chunk.toString().trim());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const address = `127.0.0.1:${port}`;
  try {
    await waitForPort(port, child, 60_000);
    if (opts.uiPort) await waitForPort(opts.uiPort, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    const exited = err instanceof EarlyExitError;
    const output = head.length < 2000 ? head : `${head}\n…\n${tail}`;
    throw new (exited ? EarlyExitError : Error)(`Temporal dev server failed to start: ${(err as Error).message}\n${output}`);
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new EarlyExitError(`process exited (${child.exitCode ?? child.signalCode})`));
        return;
      }
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} not open after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}
