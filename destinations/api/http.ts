/**
 * One JSON POST with retries (429/5xx/408/network, honouring Retry-After), same-origin-only
 * redirects and error messages that carry the status and a redacted body excerpt.
 */
import { RemoteError } from '../../lib/errors';
import { outboundBlockOf, withOutboundPolicy, type OutboundPolicy } from '../../lib/outbound-policy';
import { backoffMs, isRetryableStatus, parseRetryAfter, type RetryPolicy } from './retry';

export class ApiDestinationError extends RemoteError {
  /**
   * `status`: when the server answered. `retryable`: false for answers a retry will not change
   * (4xx other than 408/429). `configuration`: the URL itself is wrong or refused (outbound policy,
   * a redirect to another host); like a 401 or 403, it pauses the sync.
   */
  constructor(message: string, status: number | undefined, retryable: boolean, kind?: 'configuration') {
    super('destination', kind ?? (retryable ? 'transient' : status === 401 ? 'authentication' : status === 403 ? 'permission' : 'unknown'), message, {
      status,
      retryable,
    });
  }
}

export interface PostOptions {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  timeoutMs: number;
  /** Values to redact from error messages. */
  secrets: string[];
  /** Called before each retry wait. */
  onRetry?: (info: { attempt: number; delayMs: number; status?: number }) => void;
  /** Connects under this policy (the URL is the tenant's). */
  outboundPolicy?: OutboundPolicy;
}

const MAX_REDIRECTS = 5;
const EXCERPT_CHARS = 500;

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}

async function bodyExcerpt(res: Response, secrets: string[]): Promise<string> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return '';
  }
  const clean = redact(text.replace(/\s+/g, ' ').trim(), secrets);
  return clean.length > EXCERPT_CHARS ? clean.slice(0, EXCERPT_CHARS - 1) + '…' : clean;
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'request timed out';
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? (err instanceof Error ? err.message : String(err));
}

async function statusError(res: Response, retryable: boolean, secrets: string[]): Promise<ApiDestinationError> {
  const excerpt = await bodyExcerpt(res, secrets);
  const statusLine = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiDestinationError(`HTTP API destination answered ${statusLine}${excerpt ? `: ${excerpt}` : ''}`, res.status, retryable);
}

/** POSTs once, following same-origin redirects; throws on a redirect to another host. */
async function postFollowingSameOrigin(url: URL, body: string, headers: Record<string, string>, opts: PostOptions) {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await fetch(
      current,
      withOutboundPolicy(opts.outboundPolicy, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      }),
    );
    if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) return res;
    const next = new URL(location, current);
    if (next.origin !== url.origin) {
      throw new ApiDestinationError(
        `HTTP API destination redirected (${res.status}) to another host (${next.host}); refusing to follow: set url to the final address`,
        res.status,
        false,
        'configuration',
      );
    }
    if (hop >= MAX_REDIRECTS) throw new ApiDestinationError(`HTTP API destination: too many redirects`, res.status, false);
    current = next;
  }
}

/** POSTs `body` until a 2xx; returns the 2xx response status. */
export async function postJsonWithRetry(url: URL, body: string, headers: Record<string, string>, opts: PostOptions): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= opts.policy.maxAttempts;
    let res: Response;
    try {
      res = await postFollowingSameOrigin(url, body, headers, opts);
    } catch (err) {
      if (err instanceof ApiDestinationError) throw err;
      const blocked = outboundBlockOf(err);
      if (blocked) throw new ApiDestinationError(`HTTP API destination: ${blocked.message}`, undefined, false, 'configuration');
      if (last) {
        throw new ApiDestinationError(`HTTP API destination: cannot reach ${url.origin} (${networkReason(err)}) after ${attempt} attempt(s)`, undefined, true);
      }
      const delayMs = backoffMs(attempt, opts.policy, opts.random);
      opts.onRetry?.({ attempt, delayMs });
      await opts.sleep(delayMs);
      continue;
    }
    if (res.ok) {
      await res.body?.cancel();
      return res.status;
    }
    if (!isRetryableStatus(res.status)) throw await statusError(res, false, opts.secrets);
    if (last) {
      const err = await statusError(res, true, opts.secrets);
      err.message += ` (gave up after ${attempt} attempts)`;
      throw err;
    }
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    const delayMs = retryAfter !== null ? Math.min(retryAfter, opts.policy.maxRetryAfterMs) : backoffMs(attempt, opts.policy, opts.random);
    await res.body?.cancel();
    opts.onRetry?.({ attempt, delayMs, status: res.status });
    await opts.sleep(delayMs);
  }
}
