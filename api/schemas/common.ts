import { z } from '@hono/zod-openapi';

export const errorsSchema = z
  .object({
    errors: z.array(
      z.object({
        id: z.string(),
        problem_type: z.string().openapi({ deprecated: true, description: 'Same as `code`.' }),
        title: z.string(),
        detail: z.string(),
        code: z.string(),
        status: z.string(),
        meta: z.looseObject({ origin: z.enum(['remote-provider', 'supaglue']) }),
      }),
    ),
  })
  .openapi('errors');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorsSchema } } });

/** The error responses every management route can return. */
export const errorResponses = {
  400: errorResponse('Bad request'),
  401: errorResponse('Unauthorized'),
  404: errorResponse('Not found'),
  409: errorResponse('Conflict'),
  422: errorResponse('Unprocessable entity'),
  500: errorResponse('Internal server error'),
} as const;

/** For routes that ask the customer's provider (the reference's remoteProviderError). */
export const remoteProviderErrorResponse = { 499: errorResponse('Remote provider error') } as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description = 'Request body') => ({
  body: { description, required: true, content: { 'application/json': { schema } } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const security = [{ 'x-api-key': [] }];

/** x-customer-id / x-provider-name, the headers connection-scoped routes take. */
export const connectionHeaders = z.object({
  'x-customer-id': z.string().min(1).openapi({ description: 'The customer ID that uniquely identifies the customer in your application' }),
  'x-provider-name': z.string().min(1).openapi({ description: 'The provider name', example: 'salesforce' }),
});

/**
 * A copy of a service's schema that has `.openapi()`. Zod gives a schema the methods of its prototype when
 * it is built, and services may build theirs before @hono/zod-openapi adds that method (the worker never does).
 */
export const withOpenApi = <T extends z.ZodType>(schema: T): T => schema.clone();

/**
 * A service's discriminated union with an OpenAPI `title` on each variant, in order, validating exactly
 * like the original. Titles are set here because zod-to-openapi reads a zod `.meta({ title })` as a description.
 */
export function titledUnion<T extends z.ZodDiscriminatedUnion>(union: T, titles: readonly string[]): T {
  if (titles.length !== union.options.length) throw new Error(`${titles.length} titles for ${union.options.length} variants`);
  const options = union.options.map((o, i) => withOpenApi(o as z.ZodType).openapi({ title: titles[i] }));
  const titled = union.clone({ ...union.def, options });
  const meta = union.meta();
  return (meta ? titled.meta(meta) : titled) as T;
}
