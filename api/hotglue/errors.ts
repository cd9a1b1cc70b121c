/**
 * The Hotglue v2 surface's error body: `{ message, code, status, fields? }`, one shape for every
 * failure (the seed leaves error bodies open). The domain's errors keep the status codes they have
 * under /mgmt/v2 (api/errors.ts decides those); `fields` names each offending field of the request.
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../lib/errors';
import { ApiError, toApiError } from '../errors';

export const hotglueErrorSchema = z
  .object({
    message: z.string(),
    code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
    status: z.number().int(),
    fields: z
      .array(z.object({ field: z.string(), message: z.string(), code: z.string() }))
      .optional()
      .openapi({ description: 'The offending fields of the request, by path' }),
  })
  .openapi('hotglue_error');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: hotglueErrorSchema } } });

export const errorResponses = {
  400: errorResponse('Bad request: `fields` names what is wrong'),
  401: errorResponse('No x-api-key and no token, or a token that does not verify'),
  403: errorResponse("An x-api-key that is not env_id's, or a token of another tenant"),
  404: errorResponse('Unknown flow, tenant or linked connector'),
  409: errorResponse('A sync of the linked connector is running'),
} as const;

export const forbidden = (detail: string) => new ApiError(403, 'FORBIDDEN_ERROR', 'Forbidden', detail);

/** A 400 naming one field of the request. */
export const badField = (field: string, message: string, code = 'invalid_value') =>
  new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', `${field}: ${message}`, { fields: [{ field, message, code }] });

type Fields = Array<{ field: string; message: string; code: string }>;

/** onError of the sub-app: every failure in the body above. */
export function hotglueError(err: Error, c: Context, logError: (err: Error) => void) {
  const apiError =
    err instanceof ApiError
      ? err
      : err instanceof DomainError
        ? toApiError(err)
        : err instanceof HTTPException
          ? new ApiError(err.status as ContentfulStatusCode, 'BAD_REQUEST_ERROR', 'Bad request', err.message || 'Malformed request', {
              // Hono's own 400s are about the body as a whole (malformed JSON).
              ...(err.status === 400 ? { fields: [{ field: '(root)', message: err.message || 'Malformed request', code: 'invalid_json' }] } : {}),
            })
          : undefined;
  const pgCode = (err as { code?: unknown }).code;
  // As under /mgmt/v2: input Postgres cannot store is the client's error, a unique violation a conflict.
  if (!apiError && typeof pgCode === 'string' && pgCode.startsWith('22')) return c.json({ message: 'Invalid value', code: 'BAD_REQUEST_ERROR', status: 400 }, 400);
  if (!apiError && pgCode === '23505') return c.json({ message: 'The request conflicts with an existing resource', code: 'CONFLICT_ERROR', status: 409 }, 409);
  if (!apiError) {
    logError(err);
    return c.json({ message: 'An unexpected error occurred', code: 'INTERNAL_SERVER_ERROR', status: 500 }, 500);
  }
  const fields = apiError.meta?.fields as Fields | undefined;
  return c.json({ message: apiError.detail, code: apiError.code, status: apiError.status, ...(fields?.length ? { fields } : {}) }, apiError.status);
}
