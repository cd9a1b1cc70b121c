/** Turns zod validation failures into a 400 with one entry per offending field. */
import type { Hook } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { ApiError } from './errors';

export interface FieldProblem {
  field: string;
  message: string;
  code: string;
}

export function fieldProblems(error: ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', message: i.message, code: i.code }));
}

export function validationError(target: string, error: ZodError): ApiError {
  return fieldsValidationError(target, fieldProblems(error));
}

/** The same 400 for problems a schema cannot see (a body checked against stored state, say). */
export function fieldsValidationError(target: string, problems: FieldProblem[]): ApiError {
  const detail = problems.map((p) => `${target}${p.field === '(root)' ? '' : `.${p.field}`}: ${p.message}`).join('; ');
  return new ApiError(400, 'VALIDATION_ERROR', 'Invalid request', detail, { location: target, fields: problems });
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
