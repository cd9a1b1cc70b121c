import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as schemas from '../../services/catalog/schemas';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createUpdateSchemaSchema, schemaIdParam, schemaSchema } from '../schemas/schemas';
import { validationHook } from '../validation';

const tags = ['Schemas'];

export function schemaRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({ method: 'get', path: '/schemas', tags, security, deprecated: true, summary: 'List schemas', responses: { 200: jsonResponse(z.array(schemaSchema), 'Schemas'), ...errorResponses } }),
    async (c) => c.json(await schemas.listSchemas(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/schemas',
      tags,
      security,
      deprecated: true,
      summary: 'Create schema',
      request: jsonBody(createUpdateSchemaSchema),
      responses: { 201: jsonResponse(schemaSchema, 'Schema created'), ...errorResponses },
    }),
    async (c) => c.json(await schemas.createSchema(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/schemas/{schema_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Get schema',
      request: { params: schemaIdParam },
      responses: { 200: jsonResponse(schemaSchema, 'Schema'), ...errorResponses },
    }),
    async (c) => c.json(await schemas.getSchema(deps, c.get('applicationId'), c.req.valid('param').schema_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/schemas/{schema_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Update schema',
      request: { params: schemaIdParam, ...jsonBody(createUpdateSchemaSchema) },
      responses: { 200: jsonResponse(schemaSchema, 'Schema'), ...errorResponses },
    }),
    async (c) => c.json(await schemas.updateSchema(deps, c.get('applicationId'), c.req.valid('param').schema_id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/schemas/{schema_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Delete schema',
      description: 'Refused with 409 while a provider\'s `objects` reference the schema.',
      request: { params: schemaIdParam },
      responses: { 204: { description: 'Schema deleted' }, ...errorResponses },
    }),
    async (c) => {
      await schemas.deleteSchema(deps, c.get('applicationId'), c.req.valid('param').schema_id);
      return c.body(null, 204);
    },
  );

  return app;
}
