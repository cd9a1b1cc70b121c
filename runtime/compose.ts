/**
 * The composition root: from the configuration, a database and a Temporal frontend to what
 * the services, the API and the activities are given (registries included: the destination
 * writer cache). The entry points and the tests build their dependencies here and nowhere else.
 */
import type { Client, Connection } from '@temporalio/client';
import type { ActivityDeps } from '../activities';
import type { AppDeps } from '../api/deps';
import { createDb, type Db } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { createWriterCache } from '../destinations/registry';
import type { Config } from '../lib/config';
import { loadSecretBox, type SecretBox } from '../lib/crypto';
import type { Logger } from '../lib/logger';
import { connectTemporalClient } from '../lib/temporal';
import { createHttpRuntime } from '../providers/runtime';
import { createSharedRateLimits } from '../services/connections/shared-rate-limits';
import { createMetrics, type Metrics } from '../services/metrics/metrics';
import type { ServiceDeps } from '../services/deps';

/** The settings composition reads (tests make theirs with loadConfig). */
export type ComposeConfig = Pick<
  Config,
  | 'databasePoolSize'
  | 'dataDir'
  | 'encryptionKey'
  | 'temporal'
  | 'syncBatchRecords'
  | 'syncAutoPauseAfterFailures'
  | 'syncChunkSlots'
  | 'oauthTokenUrls'
  | 'oauthAuthorizeUrls'
  | 'publicUrl'
  | 'outboundPolicy'
>;

export interface ComposeOptions {
  logger: Logger;
  /** A URL: a pool is opened, migrated and closed with the composition. A handle (a test's database): used as it is, left open. */
  database: string | Db;
  /** An address: a client connection is opened and closed with the composition. A client and its connection (a test environment's): used as they are. */
  temporal: string | { client: Client; connection: Connection };
  /** Instead of the key ENCRYPTION_KEY (or the dev key under DATA_DIR) gives: tests share one with their worker processes. */
  secrets?: SecretBox;
  /** Activity settings tests change: the chunk budget, the providers' HTTP retries, the batch size, the auto-pause. */
  activities?: Pick<ActivityDeps, 'chunkBudgetMs' | 'httpRuntime' | 'batchRecords' | 'writeChunkBudgetMs' | 'autoPauseAfterFailures' | 'chunkSlots'>;
}

export interface Composition {
  services: ServiceDeps;
  /** The API's: the services' plus the Temporal connection /ready checks. */
  app: AppDeps;
  /** The worker's activities': the services' plus the process's writer cache (one pool per destination). */
  activities: ActivityDeps;
  /** The process's Prometheus metrics (also in the deps above), for the roles that serve them. */
  metrics: Metrics;
  /** Closes what the composition opened, the last opened first. */
  close(): Promise<void>;
}

export async function compose(config: ComposeConfig, opts: ComposeOptions): Promise<Composition> {
  const { logger } = opts;
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const db = await openDatabase(config, opts, closers);
    const secrets = opts.secrets ?? (await loadSecretBox(config.encryptionKey, config.dataDir));
    const temporal = await openTemporal(config, opts, closers);
    // One set per process: the API's /metrics and the worker's serve the same registry in `npm start`.
    const metrics = createMetrics({ db, logger });
    const services: ServiceDeps = {
      db,
      logger,
      secrets,
      temporal: { client: temporal.client, taskQueue: config.temporal.taskQueue },
      oauthTokenUrls: config.oauthTokenUrls,
      oauthAuthorizeUrls: config.oauthAuthorizeUrls,
      publicUrl: config.publicUrl,
      outboundPolicy: config.outboundPolicy,
      // Syncs, discovery and writes of a connection, in whichever process, draw on one budget.
      httpRuntime: createHttpRuntime({ rateLimits: createSharedRateLimits(db, { logger }), observer: metrics.providerObserver }),
      metrics,
    };
    const writers = createWriterCache({ outboundPolicy: config.outboundPolicy });
    closers.push(() => writers.closeAll());
    return {
      services,
      app: { ...services, metrics, temporal: { ...services.temporal, connection: temporal.connection } },
      activities: {
        ...services,
        writers,
        batchRecords: config.syncBatchRecords,
        autoPauseAfterFailures: config.syncAutoPauseAfterFailures,
        chunkSlots: config.syncChunkSlots,
        ...opts.activities,
      },
      metrics,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function openDatabase(config: ComposeConfig, opts: ComposeOptions, closers: Array<() => Promise<unknown>>): Promise<Db> {
  if (typeof opts.database !== 'string') return opts.database;
  const db = createDb(opts.database, config.databasePoolSize, (err) => opts.logger.warn({ err: err.message }, 'idle database connection lost'));
  closers.push(() => db.destroy());
  // Safe when several processes start at once: Kysely's migrator takes a lock.
  await migrateToLatest(db);
  return db;
}

async function openTemporal(config: ComposeConfig, opts: ComposeOptions, closers: Array<() => Promise<unknown>>) {
  if (typeof opts.temporal !== 'string') return opts.temporal;
  const handle = await connectTemporalClient(opts.temporal, config.temporal.namespace);
  closers.push(handle.close);
  return handle;
}
