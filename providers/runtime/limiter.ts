/**
 * Per-connection concurrency limit (semaphore) and request-rate limit (token
 * bucket). Keyed by connectionId in LimiterRegistry so two syncs of the same
 * customer connection share one budget, while other customers are unaffected.
 */
export interface ConnectionLimits {
  /** Max requests in flight for the connection. */
  concurrency: number;
  /** Sustained request rate; Infinity disables rate limiting. */
  requestsPerSecond: number;
  /** Requests that may be sent back-to-back before the rate applies. */
  burst: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { concurrency: 4, requestsPerSecond: 10, burst: 10 };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  configure(rate: number, burst: number): void {
    this.refill();
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  /**
   * Reserves one token and returns how long the caller must wait before using it.
   * Reservation (tokens may go negative) keeps waiters FIFO-fair without polling.
   */
  reserve(): number {
    if (!Number.isFinite(this.rate)) return 0;
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}

export class Semaphore {
  private active = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort: () => void }> = [];

  constructor(private max: number) {}

  setMax(max: number): void {
    this.max = max;
    while (this.active < this.max && this.waiters.length > 0) this.handOff();
  }

  get hasFreeSlot(): boolean {
    return this.active < this.max;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves immediately (true) or after waiting for a slot (false). */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    if (this.active < this.max) {
      this.active++;
      return true;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
    return false;
  }

  release(): void {
    this.active--;
    if (this.active < this.max && this.waiters.length > 0) this.handOff();
  }

  private handOff(): void {
    const next = this.waiters.shift();
    if (!next) return;
    next.signal?.removeEventListener('abort', next.onAbort);
    this.active++;
    next.resolve();
  }
}

export class ConnectionLimiter {
  readonly semaphore: Semaphore;
  readonly bucket: TokenBucket;

  constructor(limits: ConnectionLimits, now: () => number) {
    this.limits = limits;
    this.semaphore = new Semaphore(limits.concurrency);
    this.bucket = new TokenBucket(limits.requestsPerSecond, limits.burst, now);
  }

  private limits: ConnectionLimits;

  configure(limits: ConnectionLimits): void {
    const cur = this.limits;
    if (cur.concurrency === limits.concurrency && cur.requestsPerSecond === limits.requestsPerSecond && cur.burst === limits.burst) return;
    this.limits = limits;
    this.semaphore.setMax(limits.concurrency);
    this.bucket.configure(limits.requestsPerSecond, limits.burst);
  }
}

/** Bounded map so a long-lived worker serving many connections does not grow forever. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, ConnectionLimiter>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  get(connectionId: string, limits: ConnectionLimits): ConnectionLimiter {
    let limiter = this.limiters.get(connectionId);
    if (limiter) {
      // Re-insert to keep the map in least-recently-used order.
      this.limiters.delete(connectionId);
      limiter.configure(limits);
    } else {
      limiter = new ConnectionLimiter(limits, this.now);
      if (this.limiters.size >= this.maxEntries) {
        const oldest = this.limiters.keys().next().value;
        if (oldest !== undefined) this.limiters.delete(oldest);
      }
    }
    this.limiters.set(connectionId, limiter);
    return limiter;
  }
}
