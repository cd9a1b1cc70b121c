/**
 * What every benchmark runs against: DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded
 * Postgres and a Temporal dev server in a scratch directory, all stopped (in reverse order, with
 * whatever the benchmark registered) when it ends.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../lib/embedded-postgres';
import { freePort } from '../lib/ports';
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';
import { startTemporalDevServer } from '../lib/temporal-dev-server';
import { ensureDatabase } from '../runtime/infrastructure';

export interface BenchServers {
  /** Scratch directory, removed at the end. */
  dir: string;
  temporalAddress: string;
  /** Creates a fresh database `<prefix>_<random>` and returns its URL. */
  newDatabase(prefix: string): Promise<string>;
  /** Stopped at the end, before the servers. */
  onClose(stop: () => Promise<unknown> | unknown): void;
}

export async function withBenchServers(run: (s: BenchServers) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'syncwell-bench-'));
  // Postgres runs as an unprivileged user when we are root: it must be able to reach its data dir.
  await chmod(dir, 0o755);
  const stops: Array<() => Promise<unknown> | unknown> = [];
  try {
    let adminUrl = process.env.DATABASE_URL;
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    if (!adminUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false });
      stops.push(pg.stop);
      adminUrl = pg.adminUrl;
    }
    if (!temporalAddress) {
      const dev = await startTemporalDevServer({ cliPath: await resolveTemporalBinaryPath('cli'), port: 'auto', namespace: 'default' });
      stops.push(dev.stop);
      temporalAddress = dev.address;
    }
    const admin = adminUrl;
    const suffix = randomBytes(4).toString('hex');
    await run({
      dir,
      temporalAddress,
      async newDatabase(prefix) {
        const name = `${prefix}_${suffix}`;
        await ensureDatabase(admin, name);
        return Object.assign(new URL(admin), { pathname: `/${name}` }).toString();
      },
      onClose: (stop) => stops.push(stop),
    });
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
