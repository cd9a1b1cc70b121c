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
  const problems = fieldProblems(error);
  const detail = problems.map((p) => `${target}${p.field === '(root)' ? '' : `.${p.field}`}: ${p.message}`).join('; ');
  return new ApiError(400, 'VALIDATION_ERROR', 'Invalid request', detail, { location: target, fields: problems });
}

/** defaultHook for every OpenAPIHono sub-app. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- shared by sub-apps with different Env types
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (!result.success) throw validationError(result.target, result.error as ZodError);
};
