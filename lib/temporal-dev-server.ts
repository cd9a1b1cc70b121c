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
import { stopChild } from './processes';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  port: number;
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
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (opts.dbFile) {
    await mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    opts.logger?.debug({ component: 'temporal' }, chunk.toString().trim());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const address = `127.0.0.1:${opts.port}`;
  try {
    await waitForPort(opts.port, child, 60_000);
    if (opts.uiPort) await waitForPort(opts.uiPort, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server failed to start: ${(err as Error).message}\n${output}`);
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
        reject(new Error(`process exited (${child.exitCode ?? child.signalCode})`));
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
