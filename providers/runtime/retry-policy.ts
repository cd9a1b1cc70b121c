/**
 * Pure helpers deciding how long to wait before retrying and how to classify a
 * final HTTP status. Kept free of I/O so they are trivially testable.
 */
import type { ProviderErrorKind } from '../errors';

/**
 * Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds.
 * Returns null when absent or unparseable so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed so we
 * never retry immediately, the other half spreads concurrent clients apart.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

export type StatusDisposition = { action: 'ok' } | { action: 'rate_limited' } | { action: 'retry' } | { action: 'fail'; kind: ProviderErrorKind };

export function classifyStatus(status: number): StatusDisposition {
  if (status < 400) return { action: 'ok' };
  if (status === 429 || status === 503) return { action: 'rate_limited' };
  if (status === 408 || status >= 500) return { action: 'retry' };
  if (status === 401) return { action: 'fail', kind: 'authentication' };
  if (status === 403) return { action: 'fail', kind: 'permission' };
  // A wrong path, parameter or payload: retrying cannot help, the connector config must change.
  if (status === 400 || status === 404 || status === 405 || status === 410 || status === 422) {
    return { action: 'fail', kind: 'configuration' };
  }
  return { action: 'fail', kind: 'unknown' };
}
