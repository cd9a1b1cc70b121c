/**
 * The HTTP runtime shared by every provider: per-connection concurrency and rate
 * limits (kept in a RateLimitStore, which the composition root makes shared by every process),
 * timeouts, retries (Retry-After aware), OAuth refresh hook and error classification into ProviderError. Keep-alive comes from Node's global fetch
 * (undici's global dispatcher pools connections per origin; a client under an outbound
 * policy uses that policy's pool).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { outboundBlockOf, withOutboundPolicy, type OutboundPolicy } from '../../lib/outbound-policy';
import { ProviderError, WriteOutcomeUnknownError } from '../errors';
import type { WaitInfo } from '../types';
import { BoundedMap, DEFAULT_LIMITS, Semaphore, type ConnectionLimits } from './limiter';
import { InProcessRateLimits, type RateLimitStore } from './rate-limit-store';
import { backoffDelay, classifyStatus, parseRetryAfter, type BackoffOptions } from './retry-policy';
import { bodyExcerpt, describeUrl, redactSecrets } from './redact';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface HttpRequest {
  method?: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  /** Serialised as JSON with content-type application/json. */
  json?: unknown;
  signal?: AbortSignal;
  /** Called before every sleep (rate limit, backoff, concurrency) so activities can heartbeat. */
  onWait?: (info: WaitInfo) => void;
  /** Overrides the runtime's per-attempt timeout. */
  timeoutMs?: number;
  /**
   * False for a request that must not be sent twice (a create): after a timeout, a dropped
   * connection or a 5xx it may have been carried out, so it fails with WriteOutcomeUnknownError
   * instead of being retried. 429 and 503 (the provider refused to process it) and a connection
   * that was never made are still retried. Default true.
   */
  idempotent?: boolean;
  /** Statuses answered to the caller instead of thrown (a write reads the provider's per-field errors from a 400). */
  passStatuses?: readonly number[];
}

/** One response a provider sent, as the runtime's observer sees it. */
export interface ProviderResponseEvent {
  provider: string;
  status: number;
  /** From sending the request to the end of its body (redirects included), not the rate limit waits before it. */
  durationMs: number;
}

/** Sees every provider response in the process (metrics); must be cheap and never throw. */
export interface HttpObserver {
  onResponse(event: ProviderResponseEvent): void;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The final URL after redirects. */
  url: string;
  body: string;
}

export interface HttpClientOptions {
  connectionId: string;
  /** The provider's name, as the runtime's observer reports it ('unknown' when absent). */
  provider?: string;
  limits?: Partial<ConnectionLimits>;
  /** Values that must never appear in error messages (API keys, tokens, passwords). */
  secrets?: readonly string[];
  /**
   * Called once per request on HTTP 401. Return replacement headers (e.g. a fresh
   * Authorization) to retry with, or null to fail with ProviderError('authentication').
   * Concurrent 401s on one client share a single call.
   */
  onUnauthorized?: () => Promise<Record<string, string> | null>;
  /** Sees every response the provider sends (throttled and failed ones too, which report rate limits as well). */
  onResponse?: (res: HttpResponse) => void;
  /** Connects under this policy (for hosts a tenant chose); a refused connection fails as a configuration error. */
  outboundPolicy?: OutboundPolicy;
}

export interface HttpRuntimeOptions {
  timeoutMs?: number;
  /** Attempts in total when the API answers 429/503. */
  maxRateLimitAttempts?: number;
  /** Attempts in total for other 5xx, 408 and network errors. */
  maxTransientAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** A Retry-After longer than this fails the page as transient instead of blocking the worker. */
  maxRetryAfterMs?: number;
  defaultLimits?: Partial<ConnectionLimits>;
  /** Where the connections' budgets are kept; default: in this process only. */
  rateLimits?: RateLimitStore;
  observer?: HttpObserver;
  userAgent?: string;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
}

const MAX_REDIRECTS = 5;
/** A concurrency slot is held no longer than its request's timeout plus this, even if its release never comes. */
const LEASE_MARGIN_MS = 5_000;

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

export class HttpRuntime {
  readonly timeoutMs: number;
  readonly maxRateLimitAttempts: number;
  readonly maxTransientAttempts: number;
  readonly backoff: BackoffOptions;
  readonly maxRetryAfterMs: number;
  readonly defaultLimits: ConnectionLimits;
  readonly userAgent: string;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly random: () => number;
  readonly rateLimits: RateLimitStore;
  readonly observer: HttpObserver | undefined;
  /** This process's requests in flight per connection: no more asks of the store than the budget allows. */
  readonly semaphores = new BoundedMap<Semaphore>();

  constructor(opts: HttpRuntimeOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.maxRateLimitAttempts = opts.maxRateLimitAttempts ?? 6;
    this.maxTransientAttempts = opts.maxTransientAttempts ?? 4;
    this.backoff = { baseMs: 1_000, maxMs: 60_000, ...opts.backoff };
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 5 * 60_000;
    this.defaultLimits = { ...DEFAULT_LIMITS, ...opts.defaultLimits };
    this.userAgent = opts.userAgent ?? 'syncwell/0.1';
    this.sleep = opts.sleep ?? defaultSleep;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.rateLimits = opts.rateLimits ?? new InProcessRateLimits(this.now);
    this.observer = opts.observer;
  }

  client(opts: HttpClientOptions): HttpClient {
    return new HttpClient(this, opts);
  }
}

let defaultRuntime: HttpRuntime | undefined;

/** The process-wide runtime, so limits keyed by connectionId hold across activities. */
export function getDefaultHttpRuntime(): HttpRuntime {
  defaultRuntime ??= new HttpRuntime();
  return defaultRuntime;
}

export function createHttpRuntime(opts?: HttpRuntimeOptions): HttpRuntime {
  return new HttpRuntime(opts);
}

export class HttpClient {
  private readonly secrets: string[];
  private readonly limits: ConnectionLimits;
  private refreshing: Promise<Record<string, string> | null> | null = null;
  /** Bumped by each successful refresh, so requests that were already in flight reuse it. */
  private authGeneration = 0;
  private refreshedHeaders: Record<string, string> | null = null;

  constructor(
    private readonly runtime: HttpRuntime,
    private readonly opts: HttpClientOptions,
  ) {
    this.secrets = [...(opts.secrets ?? [])].filter((s) => typeof s === 'string' && s !== '');
    this.limits = { ...runtime.defaultLimits, ...opts.limits };
  }

  /** Redacts this client's secrets; providers use it for their own error messages. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  describe(method: string, url: string | URL): string {
    return `${method} ${describeUrl(url, this.secrets)}`;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const rt = this.runtime;
    const method = req.method ?? 'GET';
    let headers: Record<string, string> = { accept: 'application/json', 'user-agent': rt.userAgent, ...req.headers };
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const what = this.describe(method, req.url);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new ProviderError('configuration', `${method} ${this.redact(String(req.url)).slice(0, 200)} is not a valid URL`);
    }
    let rateLimited = 0;
    let transient = 0;
    let refreshed = false;

    for (;;) {
      req.signal?.throwIfAborted();
      const generation = this.authGeneration;
      let res: HttpResponse;
      try {
        res = await this.limited(req, () => this.send(method, url, headers, body, req));
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason ?? err;
        if (err instanceof ProviderError) throw err;
        const blocked = outboundBlockOf(err);
        if (blocked) throw new ProviderError('configuration', `${what}: ${this.redact(blocked.message)}`, { cause: err });
        transient++;
        const reason = this.networkReason(err, req.timeoutMs ?? rt.timeoutMs);
        if (req.idempotent === false && !neverSent(err)) {
          throw new WriteOutcomeUnknownError(`${what} failed (${reason}); the provider may have carried it out, so it was not sent again`, { cause: err });
        }
        if (transient >= rt.maxTransientAttempts) {
          throw new ProviderError('transient', `${what} failed after ${transient} attempts: ${reason}`, { cause: err });
        }
        await this.wait(req, { reason: 'retry', ms: backoffDelay(transient, rt.backoff, rt.random) });
        continue;
      }
      this.opts.onResponse?.(res);

      const disposition = classifyStatus(res.status);
      if (disposition.action === 'ok' || req.passStatuses?.includes(res.status)) return res;

      if (res.status === 401 && this.opts.onUnauthorized && !refreshed) {
        refreshed = true;
        // Another request refreshed while this one was in flight: retry with its headers.
        const fresh = generation < this.authGeneration ? this.refreshedHeaders : await this.refreshOnce();
        if (fresh) {
          headers = { ...headers, ...fresh };
          continue;
        }
      }

      if (disposition.action === 'rate_limited') {
        rateLimited++;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'), rt.now());
        if (rateLimited >= rt.maxRateLimitAttempts) throw this.failure('transient', what, res, `still throttled after ${rateLimited} attempts`);
        if (retryAfter !== null && retryAfter > rt.maxRetryAfterMs) {
          throw this.failure('transient', what, res, `Retry-After of ${Math.round(retryAfter / 1000)}s exceeds the ${Math.round(rt.maxRetryAfterMs / 1000)}s limit`);
        }
        // Honour Retry-After exactly (plus a little jitter); otherwise back off exponentially.
        const ms = retryAfter !== null ? retryAfter + Math.round(rt.random() * Math.min(1_000, retryAfter * 0.1)) : backoffDelay(rateLimited, rt.backoff, rt.random);
        // The whole connection waits, in every process, not only this request.
        if (retryAfter !== null && retryAfter > 0) await rt.rateLimits.pause(this.opts.connectionId, retryAfter);
        await this.wait(req, { reason: 'rate_limit', ms, status: res.status });
        continue;
      }

      if (disposition.action === 'retry') {
        if (req.idempotent === false) {
          const excerpt = bodyExcerpt(res.body, this.secrets);
          throw new WriteOutcomeUnknownError(
            `${what} returned HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}; the provider may have carried it out, so it was not sent again`,
            {
              status: res.status,
              bodyExcerpt: excerpt,
            },
          );
        }
        transient++;
        if (transient >= rt.maxTransientAttempts) throw this.failure('transient', what, res, `failed after ${transient} attempts`);
        await this.wait(req, { reason: 'retry', ms: backoffDelay(transient, rt.backoff, rt.random), status: res.status });
        continue;
      }

      throw this.failure(disposition.kind, what, res);
    }
  }

  private async limited<T>(req: HttpRequest, fn: () => Promise<T>): Promise<T> {
    const rt = this.runtime;
    const { connectionId } = this.opts;
    const semaphore = rt.semaphores.get(connectionId, () => new Semaphore(this.limits.concurrency));
    semaphore.setMax(this.limits.concurrency);
    if (!semaphore.hasFreeSlot) req.onWait?.({ reason: 'concurrency', ms: 0 });
    await semaphore.acquire(req.signal);
    let lease: string | null = null;
    try {
      const leaseMs = (req.timeoutMs ?? rt.timeoutMs) + LEASE_MARGIN_MS;
      for (;;) {
        const decision = await rt.rateLimits.acquire(connectionId, this.limits, leaseMs);
        if (decision.granted) {
          lease = decision.lease;
          if (decision.delayMs > 0) await this.wait(req, { reason: 'rate_limit', ms: decision.delayMs });
          return await fn();
        }
        await this.wait(req, { reason: decision.reason === 'concurrency' ? 'concurrency' : 'rate_limit', ms: decision.waitMs });
      }
    } finally {
      if (lease === null) semaphore.release();
      // The response is the caller's at once; this process's slot frees once the store has the lease back.
      // A failed release only delays the slot: the lease expires by itself.
      else
        void rt.rateLimits
          .release(connectionId, lease)
          .catch(() => undefined)
          .finally(() => semaphore.release());
    }
  }

  private async send(method: HttpMethod, url: URL, headers: Record<string, string>, body: string | undefined, req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.runtime.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let currentUrl = url;
    let currentMethod = method;
    let currentBody = body;
    let currentHeaders = headers;
    const started = performance.now();
    // Redirects are followed by hand: fetch would forward custom auth headers (x-api-key) to any host.
    for (let hop = 0; ; hop++) {
      const res = await fetch(
        currentUrl,
        withOutboundPolicy(this.opts.outboundPolicy, { method: currentMethod, headers: currentHeaders, body: currentBody, signal, redirect: 'manual' }),
      );
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        await res.body?.cancel();
        const next = new URL(location, currentUrl);
        if (next.origin !== currentUrl.origin) {
          currentHeaders = { accept: headers.accept ?? 'application/json', 'user-agent': this.runtime.userAgent };
        }
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && currentMethod !== 'GET')) {
          currentMethod = 'GET';
          currentBody = undefined;
        }
        currentUrl = next;
        continue;
      }
      const text = await res.text();
      this.runtime.observer?.onResponse({ provider: this.opts.provider ?? 'unknown', status: res.status, durationMs: performance.now() - started });
      return { status: res.status, headers: res.headers, url: currentUrl.href, body: text };
    }
  }

  private refreshOnce(): Promise<Record<string, string> | null> {
    this.refreshing ??= (async () => {
      try {
        const fresh = await this.opts.onUnauthorized!();
        if (fresh) {
          for (const v of Object.values(fresh)) if (v) this.secrets.push(v, v.replace(/^(Bearer|Basic)\s+/i, ''));
          this.refreshedHeaders = fresh;
          this.authGeneration++;
        }
        return fresh;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async wait(req: HttpRequest, info: WaitInfo): Promise<void> {
    req.onWait?.(info);
    await this.runtime.sleep(info.ms, req.signal);
  }

  private failure(kind: ProviderError['kind'], what: string, res: HttpResponse, note?: string): ProviderError {
    const excerpt = bodyExcerpt(res.body, this.secrets);
    const suffix = note ? ` (${note})` : '';
    return new ProviderError(kind, `${what} returned HTTP ${res.status}${suffix}${excerpt ? `: ${excerpt}` : ''}`, {
      status: res.status,
      bodyExcerpt: excerpt,
    });
  }

  private networkReason(err: unknown, timeoutMs: number): string {
    if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timed out after ${timeoutMs}ms`;
    const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
    const message = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return this.redact(message);
  }
}

/** Network errors that happen before a request is sent: retrying cannot carry it out twice. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function neverSent(err: unknown): boolean {
  const code = err instanceof Error ? (err.cause as { code?: string } | undefined)?.code : undefined;
  return code !== undefined && NEVER_SENT.has(code);
}
