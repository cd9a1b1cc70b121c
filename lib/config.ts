/**
 * The only reader of process.env. Parsed once; a bad environment fails fast with
 * every offending variable listed.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseAllowedHosts, type OutboundPolicy } from './outbound-policy';

const port = z.coerce.number().int().min(1).max(65_535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` (the default on a terminal) or `json` (the default otherwise: log collectors). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(8080),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  // Empty is unset: DATA_DIR= must not put the data in the working directory itself.
  DATA_DIR: optionalString.transform((v) => v ?? '.data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('syncwell'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_TEST_SERVER_PATH: optionalString,
  API_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ENCRYPTION_KEY: optionalString,
  SYNC_BATCH_RECORDS: z.coerce.number().int().min(1).max(100_000).default(5000),
  SYNC_AUTO_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
  SYNC_MAX_RUNNING_CHUNKS_PER_APPLICATION: z.coerce.number().int().min(1).max(100_000).default(50),
  SYNC_MAX_RUNNING_CHUNKS_PER_CUSTOMER: z.coerce.number().int().min(1).max(100_000).default(5),
  OUTBOUND_BLOCK_PRIVATE_NETWORKS: optionalString.pipe(z.stringbool().optional()),
  // Empty is unset (the default), not 0 (off).
  METRICS_PORT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(0).max(65_535).default(9464)),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  WORKER_HEALTH_PORT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), port.optional()),
  WORKFLOW_BUNDLE_PATH: optionalString,
  // Empty is unset (the default), not 0 (V8's own policy).
  WORKER_HEAP_GROWING_PERCENT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(0).max(1000).default(60)),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  embeddedPostgresPort: number;
  temporal: {
    /** Undefined: start an embedded dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    uiPort: number;
    cliPath: string | undefined;
    testServerPath: string | undefined;
  };
  apiKey: string | undefined;
  encryptionKey: string | undefined;
  /** Records per destination batch: pages are gathered up to this before a write. */
  syncBatchRecords: number;
  /** Consecutive failed runs after which a sync pauses itself. */
  syncAutoPauseAfterFailures: number;
  /** Sync chunks running at once, fleet-wide, per application and per customer (services/syncs/tenant-slots.ts). */
  syncChunkSlots: { perApplication: number; perCustomer: number };
  /**
   * OAuth token endpoint overrides (sandboxes, simulators) from SYNCWELL_OAUTH_TOKEN_URL_<PROVIDER>,
   * keyed by `oauthTokenUrlKey(provider name)`.
   */
  oauthTokenUrls: Record<string, string>;
  /** OAuth authorization endpoint overrides from SYNCWELL_OAUTH_AUTHORIZE_URL_<PROVIDER>, keyed the same way. */
  oauthAuthorizeUrls: Record<string, string>;
  /** Whether tenant-configured URLs may reach private networks (lib/outbound-policy.ts). */
  outboundPolicy: OutboundPolicy;
  /** Where a worker alone (`npm run worker`) serves GET /metrics; 0: not served. `npm start` serves them on the API's port instead. */
  metricsPort: number;
  worker: {
    /** After SIGTERM, how long running activities may finish before they are cancelled (and retried elsewhere). */
    shutdownGraceMs: number;
    /** A worker alone (`npm run worker`) serves GET /health here when set (the image's HEALTHCHECK). */
    healthPort: number | undefined;
    /** A prebuilt workflow bundle (`npm run build` writes dist/workflow-bundle.js, which dist/worker.js finds itself). */
    workflowBundlePath: string | undefined;
    /** V8's old-space growth after each full GC, in percent of what survived it; 0: V8's own policy. */
    heapGrowingPercent: number;
  };
}

const OAUTH_TOKEN_URL_PREFIX = 'SYNCWELL_OAUTH_TOKEN_URL_';
const OAUTH_AUTHORIZE_URL_PREFIX = 'SYNCWELL_OAUTH_AUTHORIZE_URL_';

/** The env suffix a provider's token URL override uses: `pipedrive` → `PIPEDRIVE`, `ms-dynamics` → `MS_DYNAMICS`. */
export const oauthTokenUrlKey = (providerName: string) => providerName.toUpperCase().replace(/[^A-Z0-9]/g, '_');

function oauthUrls(env: Record<string, string | undefined>, prefix: string): { urls: Record<string, string>; problems: string[] } {
  const urls: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || !value?.trim()) continue;
    if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) problems.push(`${name}: must be an http(s) URL`);
    else urls[name.slice(prefix.length)] = value;
  }
  return { urls, problems };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  const tokenUrls = oauthUrls(env, OAUTH_TOKEN_URL_PREFIX);
  const authorizeUrls = oauthUrls(env, OAUTH_AUTHORIZE_URL_PREFIX);
  const allowed = parseAllowedHosts(env.OUTBOUND_ALLOWED_HOSTS);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...tokenUrls.problems,
    ...authorizeUrls.problems,
    ...allowed.problems.map((p) => `OUTBOUND_ALLOWED_HOSTS: ${p}`),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devServerPort: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      cliPath: e.TEMPORAL_CLI_PATH,
      testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
    },
    apiKey: e.API_KEY,
    encryptionKey: e.ENCRYPTION_KEY,
    syncBatchRecords: e.SYNC_BATCH_RECORDS,
    syncAutoPauseAfterFailures: e.SYNC_AUTO_PAUSE_AFTER_FAILURES,
    syncChunkSlots: { perApplication: e.SYNC_MAX_RUNNING_CHUNKS_PER_APPLICATION, perCustomer: e.SYNC_MAX_RUNNING_CHUNKS_PER_CUSTOMER },
    oauthTokenUrls: tokenUrls.urls,
    oauthAuthorizeUrls: authorizeUrls.urls,
    outboundPolicy: { blockPrivateNetworks: e.OUTBOUND_BLOCK_PRIVATE_NETWORKS ?? false, allowedHosts: allowed.allowedHosts, allowedRanges: allowed.allowedRanges },
    metricsPort: e.METRICS_PORT,
    worker: {
      shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
      healthPort: e.WORKER_HEALTH_PORT,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH === undefined ? undefined : path.resolve(e.WORKFLOW_BUNDLE_PATH),
      heapGrowingPercent: e.WORKER_HEAP_GROWING_PERCENT,
    },
  };
}

let cached: Config | undefined;

/** The process's configuration, parsed from process.env on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
