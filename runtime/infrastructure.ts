/**
 * The Postgres and Temporal a process talks to: external ones when configured,
 * otherwise embedded servers whose data lives under DATA_DIR.
 */
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../lib/config';
import { postgresDataDir, startEmbeddedPostgres } from '../lib/embedded-postgres';
import type { Logger } from '../lib/logger';
import { startTemporalDevServer } from '../lib/temporal-dev-server';
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';

export const EMBEDDED_DATABASE = 'syncwell';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  /** Stops the embedded servers this process started (none for external ones). */
  close(): Promise<void>;
}

export async function startInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => logger.error({ err }, 'error while stopping'));
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const dataDir = postgresDataDir(config.dataDir);
      if (dataDir !== path.join(config.dataDir, 'postgres'))
        logger.info({ dataDir }, `the postgres user cannot reach ${config.dataDir}: the PostgreSQL data of this DATA_DIR is in ${dataDir}`);
      const embedded = await startEmbeddedPostgres({
        dataDir,
        port: config.embeddedPostgresPort,
        logger,
      });
      stops.push(embedded.stop);
      await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
      databaseUrl = embedded.urlFor(EMBEDDED_DATABASE);
      logger.info({ port: config.embeddedPostgresPort }, 'embedded PostgreSQL started');
    }

    let temporalAddress = config.temporal.address;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      const cliPath = await resolveTemporalBinaryPath('cli', {
        explicitPath: config.temporal.cliPath,
        log: (msg) => logger.info(msg),
      });
      const dev = await startTemporalDevServer({
        cliPath,
        dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
        port: config.temporal.devServerPort,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        logger,
      });
      stops.push(dev.stop);
      temporalAddress = dev.address;
      temporalUiUrl = dev.uiUrl;
      logger.info({ address: dev.address }, 'Temporal dev server started');
    }
    return { databaseUrl, temporalAddress, temporalUiUrl, close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** CREATE DATABASE has no IF NOT EXISTS; a concurrent creator is fine too. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await client.query(`create database ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // duplicate_database
      });
    }
  } finally {
    await client.end();
  }
}
