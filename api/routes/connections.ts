import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as connections from '../../services/connections/connections';
import { getProviderUserId } from '../../services/connections/provider-user';
import { getRateLimitInfo } from '../../services/connections/rate-limits';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, remoteProviderErrorResponse, security } from '../schemas/common';
import { createConnectionSchema } from '../../services/connections/inputs';
import { connectionPathParams, connectionSchema, customerIdPathParam, providerUserIdQuery, providerUserIdSchema, rateLimitInfoSchema } from '../schemas/connections';
import { validationHook } from '../validation';

const tags = ['Connections'];

export function connectionRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections',
      tags,
      security,
      summary: 'List connections',
      request: { params: customerIdPathParam },
      responses: { 200: jsonResponse(z.array(connectionSchema), 'Connections'), ...errorResponses },
    }),
    async (c) => c.json(await connections.listConnections(deps, c.get('applicationId'), c.req.valid('param').customer_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{customer_id}/connections',
      tags,
      security,
      summary: 'Create a connection',
      description:
        "For providers that use an API key or access key; `params` (extension) carries connector parameters. A declarative connector's own parameters decide what its connection needs: `{ provider_name, params }` suffices (type is implied), each missing required parameter or undeclared one is a field-level 400. Secrets are encrypted at rest and never returned.",
      request: { params: customerIdPathParam, ...jsonBody(createConnectionSchema) },
      responses: { 200: jsonResponse(connectionSchema, 'Connection created'), ...errorResponses },
    }),
    async (c) => c.json(await connections.createConnection(deps, c.get('applicationId'), c.req.valid('param').customer_id, c.req.valid('json')), 200),
  );

  // Registered before /{provider_name} so the literal segment wins.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections/_provider_user_id',
      tags,
      security,
      summary: 'Get logged in User ID and details',
      description:
        'The provider user the connection acts as (Salesforce User, HubSpot V3 Owner, Pipedrive user). Asked of the provider on the first call, then served as stored. 422 for providers that have no such user (declarative connectors); 499 when the provider fails.',
      request: { params: customerIdPathParam, query: providerUserIdQuery },
      responses: { 200: jsonResponse(providerUserIdSchema, 'UserId'), ...errorResponses, ...remoteProviderErrorResponse },
    }),
    async (c) => c.json(await getProviderUserId(deps, c.get('applicationId'), c.req.valid('param').customer_id, c.req.valid('query').provider_name), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections/{provider_name}',
      tags,
      security,
      summary: 'Get connection',
      request: { params: connectionPathParams },
      responses: { 200: jsonResponse(connectionSchema, 'Connection'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      return c.json(await connections.getConnection(deps, c.get('applicationId'), customer_id, provider_name), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/{customer_id}/connections/{provider_name}',
      tags,
      security,
      summary: 'Delete connection (and its syncs)',
      request: { params: connectionPathParams },
      responses: { 204: { description: 'An empty body is returned on successful deletion.' }, ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      await connections.deleteConnection(deps, c.get('applicationId'), customer_id, provider_name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections/{provider_name}/_rate_limit_info',
      tags,
      security,
      summary: 'Get connection rate limit info',
      description: 'The rate limits the provider reported on its latest response seen (syncs, discovery, the user id call); `{}` until then and for providers that report none.',
      request: { params: connectionPathParams },
      responses: { 200: jsonResponse(rateLimitInfoSchema, 'Connection rate limit info'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      return c.json(await getRateLimitInfo(deps, c.get('applicationId'), customer_id, provider_name), 200);
    },
  );

  return app;
}
