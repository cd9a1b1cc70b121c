/**
 * What the entry points run: a process that reads its configuration (a bad one stops it with
 * every problem listed) and stops what it started in reverse order on Ctrl-C / SIGTERM or a
 * failure, and the worker role. The API role is runtime/api-role.ts, so that a worker alone
 * (worker.ts) never loads the API's routes and OpenAPI schemas.
 */
import { serve, type ServerType } from '@hono/node-server';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Hono } from 'hono';
import { metricsRoutes } from '../api/metrics';
import { ConfigError, getConfig, type Config } from '../lib/config';
import { createLogger, type Logger } from '../lib/logger';
import { freePort } from '../lib/ports';
import { startReconciler } from '../services/orchestration/reconciler';
import { deleteLegacyDispatcherSchedule } from '../services/orchestration/webhook-dispatch';
import { startWebhookKickListener } from '../services/webhooks/listener';
import type { Composition } from './compose';
import type { Infrastructure } from './infrastructure';
import { StartupProblem } from './preflight';
import { createWorker, installTemporalRuntime } from './worker';

export interface RunningProcess {
  config: Config;
  logger: Logger;
  /** Closes `part` when the process stops, before what was started earlier. */
  onStop<T extends { close(): Promise<unknown> }>(part: T): T;
  /** Stops everything started and exits. */
  shutdown(reason: string, code?: number): Promise<void>;
}

/** Runs `start`; a failure in it stops whatever it had started and exits with 1. */
export async function runProcess(start: (proc: RunningProcess) => Promise<void>): Promise<void> {
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
  const logger = createLogger(config.logLevel, 'syncwell', config.logFormat);
  const cleanups: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const shutdown = async (reason: string, code = 0, quiet = false) => {
    if (stopping) return;
    stopping = true;
    if (!quiet) logger.info({ reason }, 'shutting down');
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const onStop = <T extends { close(): Promise<unknown> }>(part: T): T => {
    cleanups.push(() => part.close());
    return part;
  };
  try {
    await start({ config, logger, onStop, shutdown });
  } catch (err) {
    // A person's fix, not a bug: the lines alone, on stderr.
    if (err instanceof StartupProblem) console.error(err.lines.join('\n'));
    else logger.fatal({ err }, 'start-up failed');
    await shutdown('start-up failure', 1, err instanceof StartupProblem);
  }
}

/** A single role (`npm run api`, `npm run worker`) runs against an external Postgres and Temporal; only `npm start` embeds them. */
export function externalInfrastructure({ config, logger }: RunningProcess): Infrastructure {
  if (!config.databaseUrl || !config.temporal.address) {
    logger.fatal('DATABASE_URL and TEMPORAL_ADDRESS are required to run a single role; use `npm start` for embedded defaults');
    process.exit(1);
  }
  return { databaseUrl: config.databaseUrl, temporalAddress: config.temporal.address, temporalUiUrl: undefined, close: async () => {} };
}

/**
 * The worker role: every workflow and activity on the task queue, the reconciler's schedule, webhook
 * delivery, and GET /metrics on METRICS_PORT, unless the API in this process serves them (`metricsOnApi`: `npm start`).
 */
export async function runWorker(proc: RunningProcess, root: Composition, infra: Infrastructure, opts: { metricsOnApi?: boolean } = {}): Promise<void> {
  const { config, logger } = proc;
  const metricsPort = opts.metricsOnApi ? 0 : config.metricsPort;
  // The SDK's exporter listens on a loopback port of its own, picked here (were it taken meanwhile, start-up fails and says so).
  const temporalMetrics = opts.metricsOnApi || metricsPort ? `127.0.0.1:${await freePort()}` : undefined;
  installTemporalRuntime(logger, { metricsBindAddress: temporalMetrics });
  if (temporalMetrics) root.metrics.appendExposition(`http://${temporalMetrics}/metrics`);
  const connection = proc.onStop(await NativeConnection.connect({ address: infra.temporalAddress }));
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: root.activities,
    logger,
    shutdownGraceMs: config.worker.shutdownGraceMs,
    ...(config.worker.workflowBundlePath ? { workflowBundle: { codePath: config.worker.workflowBundlePath } } : {}),
  });
  await startReconciler(root.services);
  await deleteLegacyDispatcherSchedule(root.services);
  // Delivery starts on commit of an event; the listener's own sweep catches a lost notification.
  proc.onStop(startWebhookKickListener(root.services, { databaseUrl: infra.databaseUrl }));
  const running = worker.run();
  logger.info({ taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }, 'worker polling');
  // Stopped before the connection, the listener and the composition's pools (registered earlier, so
  // closed later): running activities drain within the grace and still reach the database.
  proc.onStop({ close: () => stopWorker(worker, running, logger, config.worker.shutdownGraceMs) });
  // /health and /metrics each on its port, or on one server when WORKER_HEALTH_PORT and METRICS_PORT are the same.
  const sideApps = new Map<number, Hono>();
  const sideApp = (port: number) => sideApps.get(port) ?? sideApps.set(port, new Hono()).get(port)!;
  if (config.worker.healthPort !== undefined) sideApp(config.worker.healthPort).route('/', workerHealth(worker));
  if (metricsPort) sideApp(metricsPort).route('/', metricsRoutes(root.metrics));
  for (const [port, app] of sideApps) {
    const server = await listen(app.fetch, config.host, port);
    proc.onStop({ close: () => new Promise((resolve) => server.close(resolve)) });
  }
  running.catch((err) => {
    logger.fatal({ err }, 'worker stopped unexpectedly');
    void proc.shutdown('worker failure', 1);
  });
}

/** An HTTP server for a role's app, resolved once it listens. */
export function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** A worker alone has no API: its liveness for the image's HEALTHCHECK, 503 once it stops polling. */
function workerHealth(worker: Worker): Hono {
  return new Hono().get('/health', (c) => {
    const state = worker.getState();
    return c.json({ status: state === 'RUNNING' ? 'ok' : 'unavailable', worker: state }, state === 'RUNNING' ? 200 : 503);
  });
}

async function stopWorker(worker: Worker, running: Promise<void>, logger: Logger, graceMs: number): Promise<void> {
  if (worker.getState() === 'RUNNING') {
    logger.info({ graceSeconds: graceMs / 1000 }, 'worker draining: no new tasks, running activities finish within the grace');
    worker.shutdown();
  }
  await running.catch((err) => logger.error({ err }, 'worker did not drain'));
}
