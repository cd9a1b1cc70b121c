/**
 * The integrations API's "general error response": `{ error: { status, code, title, detail, source?, extra? } }`
 * as Cycle's platform answers (the seed leaves the body open). `code` is `<status>.<reason>`; `source` a
 * JSON pointer to the first offending field, `extra.fields` every one of them. The domain's errors keep
 * the status codes they have under /mgmt/v2 (api/errors.ts).
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError } from '../../lib/errors';
import { ApiError, toApiError } from '../errors';

export const cycleErrorSchema = z
  .object({
    error: z.object({
      status: z.number().int(),
      code: z.string().openapi({ example: '400.invalid_input' }),
      title: z.string(),
      detail: z.string(),
      source: z.string().optional().openapi({ description: 'JSON pointer to the offending field: `/body/auth/api_key`, `/query/page[size]`, `/path/integrationId`' }),
      extra: z.object({ fields: z.array(z.object({ field: z.string(), message: z.string(), code: z.string() })) }).optional(),
    }),
  })
  .openapi('ErrorEnvelope');

export const errorResponses = {
  default: { description: 'General error response from the platform', content: { 'application/json': { schema: cycleErrorSchema } } },
} as const;

const REASONS: Record<number, string> = {
  400: 'invalid_input',
  401: 'auth_invalid',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable',
  499: 'remote_provider',
  500: 'internal',
};

type Fields = Array<{ field: string; message: string; code: string }>;

const LOCATIONS: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header' };

function pointer(location: unknown, field: string): string {
  const where = LOCATIONS[String(location ?? 'json')] ?? 'body';
  return `/${where}/${field.split('.').join('/')}`;
}

export const apiError = (status: ContentfulStatusCode, title: string, detail: string, fields?: Fields, location = 'json') =>
  new ApiError(status, 'CYCLE', title, detail, { ...(fields ? { fields } : {}), location });

export function integrationsError(err: Error, c: Context, logError: (err: Error) => void) {
  const e =
    err instanceof ApiError
      ? err
      : err instanceof DomainError
        ? toApiError(err)
        : err instanceof HTTPException
          ? new ApiError(err.status as ContentfulStatusCode, 'BAD_REQUEST_ERROR', 'Bad request', err.message || 'Malformed request')
          : undefined;
  if (!e) {
    logError(err);
    return c.json({ error: { status: 500, code: '500.internal', title: 'Internal server error', detail: 'An unexpected error occurred' } }, 500);
  }
  const fields = e.meta?.fields as Fields | undefined;
  const first = fields?.[0];
  return c.json(
    {
      error: {
        status: e.status,
        code: `${e.status}.${REASONS[e.status] ?? 'error'}`,
        title: e.title,
        detail: e.detail,
        ...(first ? { source: pointer(e.meta?.location, first.field) } : {}),
        ...(fields?.length ? { extra: { fields } } : {}),
      },
    },
    e.status,
  );
}
