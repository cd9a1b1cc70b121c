/**
 * The operations of the CRM v2 reference that Syncwell does not serve: each answers 501 with the
 * reference error envelope, and the OpenAPI document lists it as such.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuthedEnv } from '../deps';
import { ApiError } from '../errors';
import { errorsSchema, security } from '../schemas/common';

export const NOT_IMPLEMENTED = 'Not implemented in Syncwell: answers 501.';

export const notImplemented = (detail: string) => new ApiError(501, 'NOT_IMPLEMENTED_ERROR', 'Not implemented', detail);

export const notImplementedResponse = { 501: { description: 'Not implemented', content: { 'application/json': { schema: errorsSchema } } } } as const;

/** [method, path as in the reference, tag, what it would do]. */
const NOT_BUILT = [
  ['get', '/contacts', 'Contacts', 'List contacts'],
  ['post', '/contacts/_search', 'Contacts', 'Search contacts'],
  ['get', '/accounts', 'Accounts', 'List accounts'],
  ['get', '/leads', 'Leads', 'List leads'],
  ['post', '/leads/_search', 'Leads', 'Search leads'],
  ['get', '/opportunities', 'Opportunities', 'List opportunities'],
  ['get', '/users', 'Users', 'List users'],
  ['get', '/users/{user_id}', 'Users', 'Get user'],
  ['get', '/standard_objects/{object_name}/records', 'Standard Objects', 'List standard object records'],
  ['get', '/custom_objects/{object_name}/records', 'Custom Objects', 'List custom object records'],
  ['get', '/associations', 'Associations', 'List associations'],
  ['put', '/associations', 'Associations', 'Upsert association'],
  ['get', '/metadata/associations', 'Metadata', 'List association schemas'],
  ['post', '/metadata/associations', 'Metadata', 'Create association schema'],
  ['get', '/metadata/custom_objects', 'Metadata', 'List custom object schemas'],
  ['post', '/metadata/custom_objects', 'Metadata', 'Create custom object schema'],
  ['get', '/metadata/custom_objects/{object_name}', 'Metadata', 'Get custom object schema'],
  ['put', '/metadata/custom_objects/{object_name}', 'Metadata', 'Update custom object schema'],
  ['get', '/metadata/standard_objects', 'Metadata', 'List standard object schemas'],
  ['get', '/metadata/properties/{object_name}', 'Metadata', 'List properties'],
  ['post', '/metadata/properties/{object_name}', 'Metadata', 'Create property'],
  ['post', '/metadata/properties/{object_name}/register', 'Metadata', 'Register property'],
  ['get', '/metadata/properties/{object_name}/{property_name}', 'Metadata', 'Get property'],
  ['patch', '/metadata/properties/{object_name}/{property_name}', 'Metadata', 'Update property'],
  ['get', '/lists', 'Lists', 'List lists'],
  ['get', '/lists/{list_id}', 'Lists', 'List list memberships'],
] as const;

/** `{user_id}` → a string path parameter, so the document names what the path takes. */
const pathParams = (path: string) => z.object(Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, z.string()])));

export function mountNotImplemented(app: OpenAPIHono<AuthedEnv>): void {
  for (const [method, path, tag, summary] of NOT_BUILT) {
    app.openapi(
      createRoute({
        method,
        path,
        tags: [tag],
        security,
        summary,
        description: NOT_IMPLEMENTED,
        request: { params: pathParams(path) },
        responses: notImplementedResponse,
      }),
      (c) => {
        throw notImplemented(`${c.req.method} ${c.req.path} is not implemented in Syncwell: only create, update, upsert and get of one record are`);
      },
    );
  }
}
