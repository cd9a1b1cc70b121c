import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from '../lib/logger';
import { createActivities, type ActivityDeps } from '../activities';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WORKFLOWS_PATH = path.resolve(here, '..', 'workflows', 'index.ts');
/** The workflow bundle's file name beside the built entry points (scripts/build.ts writes it; in the sources there is none). */
export const PREBUILT_WORKFLOW_BUNDLE = 'workflow-bundle.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /**
   * Pre-built bundle: its code (tests share one across workers) or a file (WORKFLOW_BUNDLE_PATH).
   * Without it, the production build's bundle beside this code, else bundled from WORKFLOWS_PATH.
   */
  workflowBundle?: { code: string } | { codePath: string };
  /** How long running activities may finish after shutdown() before they are cancelled (Temporal's default is 0). */
  shutdownGraceMs?: number;
  /** Where the bundler's report goes: at debug level, so start-up output stays readable. */
  logger?: Logger;
}

/**
 * The SDK's own chatter (webpack's module report, worker state changes) in our log, at debug level
 * so start-up output stays readable; its warnings and errors stay what they are.
 */
function sdkLogger(logger: Logger, component: string) {
  const at = (level: 'debug' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => logger[level]({ component, ...meta }, message);
  const byLevel = { TRACE: at('debug'), DEBUG: at('debug'), INFO: at('debug'), WARN: at('warn'), ERROR: at('error') } as const;
  return {
    log: (level: keyof typeof byLevel, message: string, meta?: Record<string, unknown>) => byLevel[level](message, meta),
    trace: at('debug'),
    debug: at('debug'),
    info: at('debug'),
    warn: at('warn'),
    error: at('error'),
  };
}

/**
 * Once per process, before the first connection: the SDK's runtime logs through ours. With
 * `metricsBindAddress`, its own metrics (task latencies, slots, polls, as `temporal_*`) are served
 * there in Prometheus text, for our /metrics to append; the names stay the SDK's defaults, which
 * Temporal's SDK dashboards query.
 */
export function installTemporalRuntime(logger: Logger, opts: { metricsBindAddress?: string } = {}): void {
  Runtime.install({
    logger: sdkLogger(logger, 'temporal-sdk'),
    // No signal handlers of its own: runProcess stops the worker first and the pools after it has drained.
    shutdownSignals: [],
    ...(opts.metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: opts.metricsBindAddress } } } } : {}),
  });
}

/** A Temporal worker with every workflow and activity of the product. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const grace = opts.shutdownGraceMs ?? 0;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    workflowBundle: await workflowBundle(opts),
    shutdownGraceTime: grace,
    // An activity that ignores its cancellation must not keep the process from stopping: the
    // server retries it elsewhere once its heartbeat stops.
    shutdownForceTime: grace + FORCE_AFTER_GRACE_MS,
  });
}

/** After the grace, the time cancelled activities get to give up (abort their requests, roll back). */
const FORCE_AFTER_GRACE_MS = 5_000;

async function workflowBundle(opts: WorkerOptions): Promise<{ code: string } | { codePath: string }> {
  if (opts.workflowBundle && 'code' in opts.workflowBundle) return opts.workflowBundle;
  const beside = path.join(here, PREBUILT_WORKFLOW_BUNDLE);
  const codePath = opts.workflowBundle?.codePath ?? (existsSync(beside) ? beside : undefined);
  if (codePath) {
    opts.logger?.info({ codePath }, 'workflow bundle: prebuilt');
    return { codePath };
  }
  opts.logger?.info({ workflowsPath: WORKFLOWS_PATH }, 'workflow bundle: bundling the workflow sources');
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...(opts.logger ? { logger: sdkLogger(opts.logger, 'workflow-bundler') } : {}) });
}
