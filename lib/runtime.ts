/**
 * Process lifecycle shared by `npm start` (everything, embedded defaults),
 * `npm run api` and `npm run worker` (one role against external services).
 */
import { serve, type ServerType } from '@hono/node-server';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { createWriterCache } from '../destinations/registry';
import { ensureDefaultApplication } from '../services/tenants/applications';
import { startReconciler } from '../services/orchestration/reconciler';
import { deleteLegacyDispatcherSchedule } from '../services/orchestration/webhook-dispatch';
import { startWebhookKickListener } from '../services/webhooks/listener';
import { createWorker } from './temporal-worker';
import { ConfigError, getConfig, type Config } from './config';
import { loadSecretBox } from './crypto';
import { startInfrastructure } from './infrastructure';
import { createLogger, type Logger } from './logger';
import { connectTemporalClient } from './temporal';

export interface Roles {
  api: boolean;
  worker: boolean;
  /** Start embedded Postgres/Temporal when DATABASE_URL/TEMPORAL_ADDRESS are unset (npm start only). */
  embedded?: boolean;
}

export async function runRoles(roles: Roles): Promise<void> {
  let config: Config;
  try {
    config = getConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  if (!roles.embedded && (!config.databaseUrl || !config.temporal.address)) {
    logger.fatal('DATABASE_URL and TEMPORAL_ADDRESS are required to run a single role; use `npm start` for embedded defaults');
    process.exit(1);
  }

  const cleanups: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const shutdown = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const infra = await startInfrastructure(config, logger);
    cleanups.push(infra.stop);
    const db = createDb(infra.databaseUrl, config.databasePoolSize, (err) => logger.warn({ err: err.message }, 'idle database connection lost'));
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);
    const secrets = await loadSecretBox(config.encryptionKey, config.dataDir);

    const temporal = await connectTemporalClient(infra.temporalAddress, config.temporal.namespace);
    cleanups.push(() => temporal.close());
    const services = { db, logger, secrets, temporal: { client: temporal.client, taskQueue: config.temporal.taskQueue }, oauthTokenUrls: config.oauthTokenUrls, outboundPolicy: config.outboundPolicy };

    if (roles.worker) {
      const connection = await NativeConnection.connect({ address: infra.temporalAddress });
      cleanups.push(() => connection.close());
      const writers = createWriterCache({ outboundPolicy: config.outboundPolicy });
      cleanups.push(() => writers.closeAll());
      const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps: { ...services, writers, batchRecords: config.syncBatchRecords } });
      await startReconciler(services);
      await deleteLegacyDispatcherSchedule(services);
      // Delivery starts on commit of an event; the listener's own sweep catches a lost notification.
      const kicks = startWebhookKickListener(services, { databaseUrl: infra.databaseUrl });
      cleanups.push(() => kicks.close());
      const running = worker.run();
      cleanups.push(() => stopWorker(worker, running));
      running.catch((err) => {
        logger.fatal({ err }, 'worker stopped unexpectedly');
        void shutdown('worker failure', 1);
      });
    }

    if (roles.api) {
      const app = createApp({ ...services, temporal: { ...services.temporal, connection: temporal.connection } });
      const server = await listen(app.fetch, config.host, config.port);
      cleanups.push(() => new Promise((resolve) => server.close(resolve)));
      const bootstrap = await ensureDefaultApplication(db, config.apiKey);
      printBanner(config, infra.temporalUiUrl, bootstrap);
    }
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    await shutdown('start-up failure', 1);
  }
}

function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

async function stopWorker(worker: Worker, running: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running.catch(() => undefined);
}

function printBanner(config: Config, uiUrl: string | undefined, bootstrap: { apiKey: string | undefined; created: boolean }) {
  const lines = [
    '',
    `  API            ${config.publicUrl}/mgmt/v2`,
    `  API reference  ${config.publicUrl}/docs`,
    `  Health         ${config.publicUrl}/health`,
    `  Temporal UI    ${uiUrl ?? '(external cluster: see your Temporal UI)'}`,
  ];
  if (bootstrap.apiKey && (bootstrap.created || config.apiKey)) {
    lines.push(`  API key        ${bootstrap.apiKey}${bootstrap.created && !config.apiKey ? '   (shown once; store it now)' : ''}`);
  } else {
    lines.push('  API key        (created on first start; `npm run cli -- applications create --name NAME` makes another)');
  }
  console.log(lines.join('\n') + '\n');
}

export type { Logger };
