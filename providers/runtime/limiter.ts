/**
 * A connection's request budget and the in-process pieces that enforce it: a semaphore (the
 * process's requests in flight) and a token bucket (the in-process rate limit store's). Keyed by
 * connectionId so two syncs of the same customer connection share one budget, while other
 * customers are unaffected.
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

/** Bounded least-recently-used map, so a long-lived worker serving many connections does not grow forever. */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries = 10_000) {}

  get(key: string, create: () => V): V {
    let value = this.entries.get(key);
    if (value !== undefined) {
      // Re-insert to keep the map in least-recently-used order.
      this.entries.delete(key);
    } else {
      value = create();
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(key, value);
    return value;
  }
}
