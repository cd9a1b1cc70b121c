/**
 * The connections' request budgets in Postgres, shared by every worker and API process: syncs,
 * discovery and writes of one connection draw on one token bucket, one set of concurrency
 * leases and one Retry-After pause, whichever process sends. One round trip per request
 * (db/repositories/rate-limits.ts); the lease's release follows the response without delaying it.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connection';
import { acquireRateLimit, pauseRateLimit, releaseRateLimitLease } from '../../db/repositories/rate-limits';
import type { RateLimitDecision, RateLimitStore } from '../../providers/runtime';

/**
 * How soon to ask again when every slot is leased by other processes. Their releases are not
 * announced, so this bounds both the wait after one and the asks a waiter makes (20 a second).
 */
const CONCURRENCY_POLL_MS = 50;

export function createSharedRateLimits(db: Db): RateLimitStore {
  return {
    async acquire(connectionId, limits, leaseMs): Promise<RateLimitDecision> {
      const leaseId = randomUUID();
      const answer = await acquireRateLimit(db, {
        connectionId,
        rate: limits.requestsPerSecond,
        burst: limits.burst,
        concurrency: limits.concurrency,
        leaseId,
        leaseMs,
      });
      if (answer.granted) return { granted: true, lease: leaseId, delayMs: 0 };
      if (answer.pausedMs > 0) return { granted: false, reason: 'paused', waitMs: Math.ceil(answer.pausedMs) };
      if (answer.tokens < 1) return { granted: false, reason: 'rate_limit', waitMs: Math.max(1, Math.ceil(((1 - answer.tokens) / limits.requestsPerSecond) * 1000)) };
      const expiry = answer.nextExpiryMs ?? 0;
      return { granted: false, reason: 'concurrency', waitMs: Math.max(1, Math.min(CONCURRENCY_POLL_MS, Math.ceil(expiry))) };
    },
    release: (connectionId, lease) => releaseRateLimitLease(db, connectionId, lease),
    pause: (connectionId, ms) => pauseRateLimit(db, connectionId, ms),
  };
}
