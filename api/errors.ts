/**
 * One error shape for every failure: `{ errors: [{ id, problem_type, title, detail, code, status, meta: { origin, ... } }] }`
 * as in the Supaglue Management API.
 */
import { randomUUID } from 'node:crypto';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ApiErrorItem {
  id: string;
  /** Deprecated in the Supaglue spec but still required there: the same value as `code`. */
  problem_type: string;
  title: string;
  detail: string;
  code: string;
  status: string;
  /** Required by the Supaglue spec, with `origin` (`supaglue`: raised by this API, not a remote provider). */
  meta: { origin: 'supaglue' | 'remote-provider' } & Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail: string = title,
    readonly meta?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  toBody(): { errors: ApiErrorItem[] } {
    return errorBody(this.status, this.code, this.title, this.detail, this.meta);
  }
}

export function errorBody(
  status: number,
  code: string,
  title: string,
  detail: string,
  meta?: Record<string, unknown>,
): { errors: ApiErrorItem[] } {
  return { errors: [{ id: randomUUID(), problem_type: code, title, detail, code, status: String(status), meta: { origin: 'supaglue', ...meta } }] };
}

export const notFound = (what: string, detail = `${what} not found`) => new ApiError(404, 'NOT_FOUND_ERROR', `${what} not found`, detail);
export const badRequest = (detail: string, meta?: Record<string, unknown>) =>
  new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', detail, meta);
export const conflict = (detail: string) => new ApiError(409, 'CONFLICT_ERROR', 'Conflict', detail);
export const unprocessable = (detail: string) => new ApiError(422, 'UNPROCESSABLE_ERROR', 'Unprocessable entity', detail);
/** The reference's 499 remoteProviderError: the customer's provider failed or refused, meta.origin says so. */
export const remoteProviderError = (detail: string, meta?: Record<string, unknown>) =>
  new ApiError(499 as ContentfulStatusCode, 'REMOTE_PROVIDER_ERROR', 'Remote provider error', detail, { ...meta, origin: 'remote-provider' });
export const unauthorized = (detail = 'Missing or invalid x-api-key header') =>
  new ApiError(401, 'UNAUTHORIZED_ERROR', 'Unauthorized', detail);
