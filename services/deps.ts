import type { Client } from '@temporalio/client';
import type { Db } from '../db/connection';
import type { SecretBox } from '../lib/crypto';
import type { Logger } from '../lib/logger';
import type { OutboundPolicy } from '../lib/outbound-policy';
import type { HttpRuntime } from '../providers/runtime';
import type { Metrics } from './metrics/metrics';

/** What every service function receives first. Services are the only callers of db and Temporal. */
export interface ServiceDeps {
  db: Db;
  temporal: { client: Client; taskQueue: string };
  secrets: SecretBox;
  logger: Logger;
  /** OAuth token endpoint overrides by `oauthTokenUrlKey(provider name)` (config.oauthTokenUrls). */
  oauthTokenUrls?: Record<string, string>;
  /** OAuth authorization endpoint overrides, keyed the same way (config.oauthAuthorizeUrls). */
  oauthAuthorizeUrls?: Record<string, string>;
  /** The public base URL (config.publicUrl): the OAuth redirect URI is `<publicUrl>/oauth/callback`. */
  publicUrl?: string;
  /** Private-network protection for tenant-configured URLs (config.outboundPolicy); absent: off. */
  outboundPolicy?: OutboundPolicy;
  /** The providers' HTTP runtime (the composition root's keeps the rate limits in Postgres, shared by every process); absent: the process-wide default. */
  httpRuntime?: HttpRuntime;
  /** The process's Prometheus metrics (the composition root's); absent: nothing is recorded. */
  metrics?: Metrics;
}
