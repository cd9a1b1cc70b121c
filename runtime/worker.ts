import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from '../lib/logger';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'workflows', 'index.ts');

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-built bundle (tests share one across workers); bundled from WORKFLOWS_PATH otherwise. */
  workflowBundle?: { code: string };
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

/** Once per process, before the first connection: the SDK's runtime logs through ours. */
export function installTemporalRuntime(logger: Logger): void {
  Runtime.install({ logger: sdkLogger(logger, 'temporal-sdk') });
}

/** A Temporal worker with every workflow and activity of the product. */
export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const workflowBundle =
    opts.workflowBundle ?? (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...(opts.logger ? { logger: sdkLogger(opts.logger, 'workflow-bundler') } : {}) }));
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    workflowBundle,
  });
}
