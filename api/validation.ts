/** Turns zod validation failures into a 400 with one entry per offending field. */
import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { SchemaValidationError } from '../lib/errors';
import { ApiError } from './errors';

export function validationError(target: string, error: ZodError): SchemaValidationError {
  return new SchemaValidationError(
    target,
    error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code })),
  );
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * defaultHook for every OpenAPIHono sub-app. A required JSON body sent without a JSON
 * Content-Type (or with none at all) reaches the hook as `{}`, which bodies whose fields are all
 * optional would accept: refuse it instead of treating it as an empty body.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- shared by sub-apps with different Env types
export const validationHook: Hook<any, any, any, any> = (result, c) => {
  if (result.target === 'json') {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', 'The request body must be JSON sent with Content-Type: application/json', {
        location: 'json',
        fields: [{ field: '(root)', message: 'expected a JSON body (Content-Type: application/json)', code: 'invalid_content_type' }],
      });
    }
  }
  if (!result.success) throw validationError(result.target, result.error as ZodError);
};
