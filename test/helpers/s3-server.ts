/**
 * Starts a real S3-compatible server (MinIO) on loopback with fresh credentials and an empty
 * temporary data dir. The binary comes from `scripts/install-s3-server.sh` (built once into
 * `.cache/s3-server/`), or from S3_SERVER_BIN when set.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports';

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

/** An SDK client on the server, as its own credentials (path-style: the server has no bucket subdomains). */
export function s3ClientFor(server: S3Server): S3Client {
  return new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const INSTALLER = path.join(ROOT, 'scripts', 'install-s3-server.sh');

async function minioBinary(): Promise<string> {
  if (process.env.S3_SERVER_BIN) return process.env.S3_SERVER_BIN;
  const { stdout } = await promisify(execFile)('bash', [INSTALLER], { maxBuffer: 1 << 20, timeout: 20 * 60_000 });
  const bin = stdout.trim().split('\n').pop();
  if (!bin) throw new Error(`${INSTALLER} printed no binary path`);
  return bin;
}

async function waitUntilLive(url: string, exited: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = exited();
    if (exit !== null) throw new Error(`MinIO exited before becoming ready: ${exit}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`MinIO not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startS3Server(): Promise<S3Server> {
  const bin = await minioBinary();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'syncwell-s3-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(18).toString('base64url');
  const child = spawn(bin, ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dataDir,
      MINIO_ROOT_USER: accessKeyId,
      MINIO_ROOT_PASSWORD: secretAccessKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = `code ${code ?? signal}; ${stderr.trim()}`;
      resolve();
    }),
  );
  const endpoint = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    if (exitInfo === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  }

  try {
    await waitUntilLive(`${endpoint}/minio/health/live`, () => exitInfo, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', stop };
}
