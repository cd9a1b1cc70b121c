/**
 * Where a connection's request budget is kept: the requests per second (with burst), the
 * requests in flight and the pause after a Retry-After. HttpRuntime asks it before every
 * attempt. The in-process store (tests, tools, the default runtime) holds one process's share;
 * the composition root gives a store every process shares (services/connections/shared-rate-limits.ts).
 */
import { BoundedMap, TokenBucket, type ConnectionLimits } from './limiter';

/** The answer to one request's ask: send (after `delayMs`, holding `lease`) or ask again after `waitMs`. */
export type RateLimitDecision = { granted: true; lease: string | null; delayMs: number } | { granted: false; waitMs: number; reason: 'paused' | 'rate_limit' | 'concurrency' };

export interface RateLimitStore {
  /**
   * Takes a token and a concurrency slot for one request, held until `release` and for no longer
   * than `leaseMs` (the request's own bound). A store shared between processes keeps the slot as a
   * short lease it renews meanwhile, so a process that dies mid-request gives it back within seconds.
   */
  acquire(connectionId: string, limits: ConnectionLimits, leaseMs: number): Promise<RateLimitDecision>;
  /** Gives the lease's slot back once the response has arrived (or the request failed): it is no longer renewed. */
  release(connectionId: string, lease: string): Promise<void>;
  /** Nothing more is sent on the connection for `ms` (a Retry-After). */
  pause(connectionId: string, ms: number): Promise<void>;
}

/**
 * One process's budget: the token bucket reserves (tokens may go negative) so waiters are served
 * in order without polling; concurrency is the runtime's own semaphore, so no lease is taken.
 * A Retry-After pauses only the request that saw it, which waits it out itself: other requests of
 * a single process are few, and a test's instant sleep would otherwise spin on a real clock.
 */
export class InProcessRateLimits implements RateLimitStore {
  private readonly buckets = new BoundedMap<{ bucket: TokenBucket; limits: ConnectionLimits }>();

  constructor(private readonly now: () => number) {}

  async acquire(connectionId: string, limits: ConnectionLimits): Promise<RateLimitDecision> {
    const entry = this.buckets.get(connectionId, () => ({ bucket: new TokenBucket(limits.requestsPerSecond, limits.burst, this.now), limits }));
    if (entry.limits.requestsPerSecond !== limits.requestsPerSecond || entry.limits.burst !== limits.burst) {
      entry.bucket.configure(limits.requestsPerSecond, limits.burst);
      entry.limits = limits;
    }
    return { granted: true, lease: null, delayMs: entry.bucket.reserve() };
  }

  async release(): Promise<void> {}

  async pause(): Promise<void> {}
}
