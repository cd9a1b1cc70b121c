/**
 * The connections' request budgets in Postgres, shared by every worker and API process: syncs,
 * discovery and writes of one connection draw on one token bucket, one set of concurrency
 * leases and one Retry-After pause, whichever process sends. One round trip per request
 * (db/repositories/rate-limits.ts); the lease's release follows the response without delaying it.
 *
 * A lease is short (LEASE_TTL_MS) and renewed while its request is in flight, so a process killed
 * mid-request gives its slots back within seconds rather than after the request's whole timeout.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connection';
import { acquireRateLimit, deleteRateLimitsOf, pauseRateLimit, releaseRateLimitLease, renewRateLimitLeases } from '../../db/repositories/rate-limits';
import type { Logger } from '../../lib/logger';
import type { RateLimitDecision, RateLimitStore } from '../../providers/runtime';

/**
 * How soon to ask again when every slot is leased by other processes. Their releases are not
 * announced, so this bounds both the wait after one and the asks a waiter makes (20 a second).
 */
const CONCURRENCY_POLL_MS = 50;
/** How long a lease outlives its last renewal: a dead process's slots are free again after at most this. */
const LEASE_TTL_MS = 15_000;
/** Renewals per lease lifetime: two may fail (a database blip) before a lease lapses. */
const RENEWALS_PER_TTL = 3;

export interface SharedRateLimitsOptions {
  logger?: Logger;
  /** Tests shorten it to see a lapse in well under a second. */
  leaseTtlMs?: number;
}

/** This process's live leases of one connection, renewed together by one timer. */
interface Held {
  /** Lease id → the local time past which it is no longer renewed (the request's own bound). */
  leases: Map<string, number>;
  timer: NodeJS.Timeout;
  renewing: boolean;
}

export function createSharedRateLimits(db: Db, opts: SharedRateLimitsOptions = {}): RateLimitStore {
  const ttl = opts.leaseTtlMs ?? LEASE_TTL_MS;
  const held = new Map<string, Held>();

  const renew = async (connectionId: string, entry: Held): Promise<void> => {
    const now = Date.now();
    const renewals: Record<string, number> = {};
    for (const [lease, until] of entry.leases) {
      // Past its request's bound: a release that never came (a leak) lets it lapse on its own.
      if (until <= now) entry.leases.delete(lease);
      else renewals[lease] = Math.min(ttl, until - now);
    }
    if (entry.leases.size === 0) return stop(connectionId, entry);
    entry.renewing = true;
    try {
      const renewed = new Set(await renewRateLimitLeases(db, connectionId, renewals));
      for (const lease of Object.keys(renewals)) {
        if (renewed.has(lease) || !entry.leases.has(lease)) continue;
        entry.leases.delete(lease);
        opts.logger?.warn(
          { connectionId },
          'concurrency lease lapsed while its request ran (renewals failed for longer than the lease): the connection may run one request over its concurrency',
        );
      }
      if (entry.leases.size === 0) stop(connectionId, entry);
    } catch (err) {
      // The request goes on; the lease lapses only if renewals keep failing for a whole TTL.
      opts.logger?.warn({ err, connectionId }, 'concurrency lease renewal failed; retried at the next one');
    } finally {
      entry.renewing = false;
    }
  };

  const stop = (connectionId: string, entry: Held): void => {
    clearInterval(entry.timer);
    if (held.get(connectionId) === entry) held.delete(connectionId);
  };

  const hold = (connectionId: string, lease: string, leaseMs: number): void => {
    let entry = held.get(connectionId);
    if (!entry) {
      const created: Held = {
        leases: new Map(),
        renewing: false,
        timer: setInterval(() => {
          // A renewal still waiting on the database is not doubled up.
          if (!created.renewing) void renew(connectionId, created);
        }, ttl / RENEWALS_PER_TTL),
      };
      // A process that is otherwise done never waits for its renewals.
      created.timer.unref();
      held.set(connectionId, created);
      entry = created;
    }
    entry.leases.set(lease, Date.now() + leaseMs);
  };

  return {
    async acquire(connectionId, limits, leaseMs): Promise<RateLimitDecision> {
      const leaseId = randomUUID();
      const answer = await acquireRateLimit(db, {
        connectionId,
        rate: limits.requestsPerSecond,
        burst: limits.burst,
        concurrency: limits.concurrency,
        leaseId,
        leaseMs: Math.min(leaseMs, ttl),
      });
      if (answer.granted) {
        if (leaseMs > ttl) hold(connectionId, leaseId, leaseMs);
        return { granted: true, lease: leaseId, delayMs: 0 };
      }
      if (answer.pausedMs > 0) return { granted: false, reason: 'paused', waitMs: Math.ceil(answer.pausedMs) };
      if (answer.tokens < 1) return { granted: false, reason: 'rate_limit', waitMs: Math.max(1, Math.ceil(((1 - answer.tokens) / limits.requestsPerSecond) * 1000)) };
      const expiry = answer.nextExpiryMs ?? 0;
      return { granted: false, reason: 'concurrency', waitMs: Math.max(1, Math.min(CONCURRENCY_POLL_MS, Math.ceil(expiry))) };
    },
    async release(connectionId, lease) {
      // No longer renewed before it is deleted: a renewal in flight finds it gone and leaves it so.
      const entry = held.get(connectionId);
      if (entry?.leases.delete(lease) && entry.leases.size === 0) stop(connectionId, entry);
      await releaseRateLimitLease(db, connectionId, lease);
    },
    pause: (connectionId, ms) => pauseRateLimit(db, connectionId, ms),
  };
}

/**
 * Drops deleted connections' rows from the store. After the delete has committed, and never failing
 * it: a row left behind is only a few bytes, and a request still in flight on the connection may
 * recreate its own, full bucket.
 */
export async function forgetRateLimits(deps: { db: Db; logger: Logger }, connectionIds: readonly string[]): Promise<void> {
  try {
    await deleteRateLimitsOf(deps.db, connectionIds);
  } catch (err) {
    deps.logger.warn({ err, connectionIds }, "could not delete deleted connections' rate limit rows");
  }
}
