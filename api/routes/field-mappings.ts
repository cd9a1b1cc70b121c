import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as fieldMappings from '../../services/catalog/field-mappings';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { updateObjectFieldMappingSchema } from '../../services/catalog/mapping-inputs';
import { objectFieldMappingsSchema } from '../schemas/field-mappings';
import { validationHook } from '../validation';

const tags = ['SchemaMappings'];

export function fieldMappingRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/field_mappings',
      tags,
      security,
      deprecated: true,
      summary: 'List schema mappings',
      request: { headers: connectionHeaders },
      responses: { 200: jsonResponse(z.array(objectFieldMappingsSchema), 'List of objects and their field mappings (if set)'), ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      return c.json(await fieldMappings.listFieldMappings(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name']), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/field_mappings/_update_object',
      tags,
      security,
      deprecated: true,
      summary: 'Update schema mappings',
      request: { headers: connectionHeaders, ...jsonBody(updateObjectFieldMappingSchema) },
      responses: { 200: jsonResponse(objectFieldMappingsSchema, 'The object and its field mappings'), ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      return c.json(await fieldMappings.updateObjectFieldMapping(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name'], c.req.valid('json')), 200);
    },
  );

  return app;
}
