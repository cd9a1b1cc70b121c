/**
 * One error shape for every failure: `{ errors: [{ id, problem_type, title, detail, code, status, meta: { origin, ... } }] }`
 * as in the Supaglue Management API. Services raise domain errors (lib/errors.ts); only this module
 * decides their status codes and bodies.
 */
import { randomUUID } from 'node:crypto';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  ConflictError,
  type DomainError,
  InvalidInputError,
  NotFoundError,
  RecordRejectedError,
  RemoteError,
  SchemaValidationError,
  UnprocessableError,
  type FieldIssue,
} from '../lib/errors';

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

export function errorBody(status: number, code: string, title: string, detail: string, meta?: Record<string, unknown>): { errors: ApiErrorItem[] } {
  return { errors: [{ id: randomUUID(), problem_type: code, title, detail, code, status: String(status), meta: { origin: 'supaglue', ...meta } }] };
}

export const unauthorized = (detail = 'Missing or invalid x-api-key header') => new ApiError(401, 'UNAUTHORIZED_ERROR', 'Unauthorized', detail);

/** `{ field, message, code }` per offending field, as the body schemas report them. */
export const fieldEntries = (issues: readonly FieldIssue[]) => issues.map((i) => ({ field: i.path || '(root)', message: i.message, code: i.code }));

function invalidInput(err: InvalidInputError): ApiError {
  const meta = { ...(err.location !== undefined ? { location: err.location } : {}), ...(err.issues.length ? { fields: fieldEntries(err.issues) } : {}) };
  if (err instanceof SchemaValidationError) return new ApiError(400, 'VALIDATION_ERROR', err.summary ?? 'Invalid request', err.message, meta);
  return new ApiError(400, 'BAD_REQUEST_ERROR', err.summary ?? 'Bad request', err.message, Object.keys(meta).length ? meta : undefined);
}

/** The reference's 499 remoteProviderError: the customer's provider failed or refused, meta.origin says so. */
function remote(err: RemoteError): ApiError {
  if (err.origin === 'destination') return new ApiError(502, 'DESTINATION_ERROR', 'Destination error', err.message, { kind: err.kind });
  const cause = err.status !== undefined ? { cause: { code: err.status, ...(err.bodyExcerpt ? { body: err.bodyExcerpt } : {}) } } : {};
  return new ApiError(499 as ContentfulStatusCode, 'REMOTE_PROVIDER_ERROR', 'Remote provider error', err.message, { kind: err.kind, ...cause, origin: 'remote-provider' });
}

/** The provider's own 4xx for one record (409 stays 409, 404 stays 404; anything else it refused is 422), with its field and code. */
function rejected(err: RecordRejectedError): ApiError {
  const { status, field, code } = err.rejection;
  const apiStatus = (status === 404 || status === 409 || status === 400 ? status : 422) as ContentfulStatusCode;
  const apiCode = apiStatus === 404 ? 'NOT_FOUND_ERROR' : apiStatus === 409 ? 'CONFLICT_ERROR' : apiStatus === 400 ? 'BAD_REQUEST_ERROR' : 'UNPROCESSABLE_ERROR';
  return new ApiError(apiStatus, apiCode, 'The provider refused the record', err.message, {
    origin: 'remote-provider',
    ...(field ? { field } : {}),
    ...(code ? { provider_code: code } : {}),
    provider_status: status,
  });
}

/** The status code and envelope of a domain error. */
export function toApiError(err: DomainError): ApiError {
  if (err instanceof NotFoundError) return new ApiError(404, 'NOT_FOUND_ERROR', `${err.resource} not found`, err.message);
  if (err instanceof ConflictError) return new ApiError(409, 'CONFLICT_ERROR', err.summary ?? 'Conflict', err.message);
  if (err instanceof InvalidInputError) return invalidInput(err);
  if (err instanceof UnprocessableError) return new ApiError(422, 'UNPROCESSABLE_ERROR', err.summary ?? 'Unprocessable entity', err.message);
  if (err instanceof RemoteError) return remote(err);
  if (err instanceof RecordRejectedError) return rejected(err);
  return new ApiError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', 'An unexpected error occurred');
}
