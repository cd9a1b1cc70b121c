/** Reading the rate limit headers built-in providers send into the API's rate_limit_info shape. */
import type { RateLimitWindow } from './types';

/** A non-negative integer header; null when absent or malformed. */
export function intHeader(headers: Headers, name: string): number | null {
  const v = headers.get(name)?.trim();
  return v && /^\d+$/.test(v) ? Number(v) : null;
}

/** A window when both its limit and what remains of it are known. */
export function rateWindow(limit: number | null, remaining: number | null, resetTime?: number): RateLimitWindow | undefined {
  if (limit === null || remaining === null) return undefined;
  return { limit, remaining, ...(resetTime !== undefined ? { reset_time: resetTime } : {}) };
}
