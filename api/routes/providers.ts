import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as providers from '../../services/catalog/providers';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createProviderSchema, providerIdParam, providerSchema, updateProviderSchema } from '../schemas/providers';
import { validationHook } from '../validation';

const tags = ['Providers'];

export function providerRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/providers',
      tags,
      security,
      summary: 'List providers',
      responses: { 200: jsonResponse(z.array(providerSchema), 'Providers'), ...errorResponses },
    }),
    async (c) => c.json(await providers.listProviders(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/providers',
      tags,
      security,
      summary: 'Create provider',
      description:
        'The OAuth client secret is stored encrypted and never returned: responses carry "********" in its place, which an update may send back to keep it. Extension: `no_category` / `api_key` providers may be named after a declarative connector.',
      request: jsonBody(createProviderSchema),
      responses: { 201: jsonResponse(providerSchema, 'Provider created'), ...errorResponses },
    }),
    async (c) => c.json(await providers.createProvider(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/providers/{provider_id}',
      tags,
      security,
      summary: 'Get provider',
      request: { params: providerIdParam },
      responses: { 200: jsonResponse(providerSchema, 'Provider'), ...errorResponses },
    }),
    async (c) => c.json(await providers.getProvider(deps, c.get('applicationId'), c.req.valid('param').provider_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/providers/{provider_id}',
      tags,
      security,
      summary: 'Update provider',
      request: { params: providerIdParam, ...jsonBody(updateProviderSchema) },
      responses: { 200: jsonResponse(providerSchema, 'Provider'), ...errorResponses },
    }),
    async (c) => c.json(await providers.updateProvider(deps, c.get('applicationId'), c.req.valid('param').provider_id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/providers/{provider_id}',
      tags,
      security,
      summary: 'Delete provider',
      description: 'Returns the deleted provider. Refused with 409 while connections or a sync config use it.',
      request: { params: providerIdParam },
      responses: { 200: jsonResponse(providerSchema, 'Provider'), ...errorResponses },
    }),
    async (c) => c.json(await providers.deleteProvider(deps, c.get('applicationId'), c.req.valid('param').provider_id), 200),
  );

  return app;
}
