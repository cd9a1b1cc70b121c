import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as entities from '../../services/catalog/entities';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createUpdateEntitySchema, entityIdParam, entitySchema } from '../schemas/entities';
import { validationHook } from '../validation';

const tags = ['Entities'];

export function entityRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({ method: 'get', path: '/entities', tags, security, deprecated: true, summary: 'List entities', responses: { 200: jsonResponse(z.array(entitySchema), 'Entities'), ...errorResponses } }),
    async (c) => c.json(await entities.listEntities(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/entities',
      tags,
      security,
      deprecated: true,
      summary: 'Create entity',
      request: jsonBody(createUpdateEntitySchema),
      responses: { 201: jsonResponse(entitySchema, 'Entity created'), ...errorResponses },
    }),
    async (c) => c.json(await entities.createEntity(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/entities/{entity_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Get entity',
      request: { params: entityIdParam },
      responses: { 200: jsonResponse(entitySchema, 'Entity'), ...errorResponses },
    }),
    async (c) => c.json(await entities.getEntity(deps, c.get('applicationId'), c.req.valid('param').entity_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/entities/{entity_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Update entity',
      request: { params: entityIdParam, ...jsonBody(createUpdateEntitySchema) },
      responses: { 200: jsonResponse(entitySchema, 'Entity'), ...errorResponses },
    }),
    async (c) => c.json(await entities.updateEntity(deps, c.get('applicationId'), c.req.valid('param').entity_id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/entities/{entity_id}',
      tags,
      security,
      deprecated: true,
      summary: 'Delete entity',
      description: 'Refused with 409 while a provider\'s entity mappings or a sync use the entity.',
      request: { params: entityIdParam },
      responses: { 204: { description: 'Entity deleted' }, ...errorResponses },
    }),
    async (c) => {
      await entities.deleteEntity(deps, c.get('applicationId'), c.req.valid('param').entity_id);
      return c.body(null, 204);
    },
  );

  return app;
}
