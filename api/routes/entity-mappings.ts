import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as entityMappings from '../../services/catalog/entity-mappings';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { connectionEntityMappingSchema } from '../../services/catalog/mapping-inputs';
import { entityIdParam, mergedEntityMappingSchema } from '../schemas/entity-mappings';
import { validationHook } from '../validation';

const tags = ['EntityMappings'];

export function entityMappingRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/entity_mappings',
      tags,
      security,
      deprecated: true,
      summary: 'List entity mappings.',
      request: { headers: connectionHeaders },
      responses: { 200: jsonResponse(z.array(mergedEntityMappingSchema), 'List of entity mappings'), ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      return c.json(await entityMappings.listEntityMappings(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name']), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/entity_mappings/{entity_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Upsert entity mapping',
      request: { headers: connectionHeaders, params: entityIdParam, ...jsonBody(connectionEntityMappingSchema) },
      responses: { 200: { description: 'Entity Mapping' }, ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      await entityMappings.upsertEntityMapping(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name'], c.req.valid('param').entity_id, c.req.valid('json'));
      return c.body(null, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/entity_mappings/{entity_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Delete entity mapping',
      request: { headers: connectionHeaders, params: entityIdParam },
      responses: { 204: { description: 'Entity Mapping' }, ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      await entityMappings.deleteEntityMapping(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name'], c.req.valid('param').entity_id);
      return c.body(null, 204);
    },
  );

  return app;
}
