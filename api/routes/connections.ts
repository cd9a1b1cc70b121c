import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as connections from '../../services/connections/connections';
import { getProviderUserId } from '../../services/connections/provider-user';
import { getRateLimitInfo } from '../../services/connections/rate-limits';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, remoteProviderErrorResponse, security } from '../schemas/common';
import { createConnectionSchema } from '../../services/connections/inputs';
import { connectionPathParams, connectionSchema, customerIdPathParam, providerUserIdQuery, providerUserIdSchema, rateLimitInfoSchema } from '../schemas/connections';
import { validationHook } from '../validation';
import { listConnectionsPage, toConnectionListItem } from '../../services/connections/list';
import { startConnectionDelete } from '../../services/connections/connection-delete-job';
import { startConnectionVerify } from '../../services/connections/verify';
import { jobSchema } from '../schemas/jobs';
import { asyncDeleteQuery, connectionListQuery, connectionPageSchema, type StateFilter } from '../schemas/connection-list';

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
      description:
        'Without `cursor` and `page_size`: every connection of the customer (as in the Supaglue API), filtered by `state`, `provider_name` and `search` when given. ' +
        'Syncwell extension: with `cursor` or `page_size`, one page `{ next, previous, total_count, results }`, oldest first, each result with its verification state.',
      request: { params: customerIdPathParam, query: connectionListQuery },
      responses: { 200: jsonResponse(z.union([z.array(connectionSchema), connectionPageSchema]), 'Connections'), ...errorResponses },
    }),
    async (c) => {
      const { customer_id } = c.req.valid('param');
      const { cursor, page_size, ...q } = c.req.valid('query');
      const filters = {
        ...(q.state ? { states: q.state.split(',') as StateFilter[] } : {}),
        ...(q.provider_name ? { providerName: q.provider_name } : {}),
        ...(q.search ? { search: q.search } : {}),
      };
      if (cursor === undefined && page_size === undefined) {
        if (!Object.keys(filters).length) return c.json(await connections.listConnections(deps, c.get('applicationId'), customer_id), 200);
        const page = await listConnectionsPage(deps, c.get('applicationId'), customer_id, filters, { page_size: '1000' }, connections.toConnectionResponse);
        return c.json(page.results, 200);
      }
      return c.json(await listConnectionsPage(deps, c.get('applicationId'), customer_id, filters, { cursor, page_size }, toConnectionListItem), 200);
    },
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
      description:
        'Syncwell extension: with `async=true`, answers 202 with a `connection_delete` job at once; a workflow removes the schedules, waits for a run in progress to end, then deletes the connection (`connection.deleted`). Poll `GET /jobs/{job_id}`.',
      request: { params: connectionPathParams, query: asyncDeleteQuery },
      responses: {
        204: { description: 'An empty body is returned on successful deletion.' },
        202: { ...jsonResponse(jobSchema, 'async=true: the delete job'), headers: { Location: { description: 'Where to poll the job', schema: { type: 'string' } } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      if (c.req.valid('query').async === 'true') {
        const connection = await connections.getConnectionByHeadersOrThrow(deps, c.get('applicationId'), customer_id, provider_name);
        const job = await startConnectionDelete(deps, c.get('applicationId'), connection);
        c.header('Location', `/mgmt/v2/jobs/${job.id}`);
        return c.json(job, 202);
      }
      await connections.deleteConnection(deps, c.get('applicationId'), customer_id, provider_name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{customer_id}/connections/{provider_name}/_verify',
      tags,
      security,
      summary: "Verify a connection's credentials (async job)",
      description:
        'Syncwell extension. Answers 202 with a `connection_verify` job; a workflow makes one cheap request to the provider with the stored credentials (its "who am I" call, else the first page of the connector\'s first stream). ' +
        "The connection is `verifying` meanwhile, then `live` (its syncs are created and started if they were waiting) or `failed` with the provider's reason, which the job's `error` repeats.",
      'x-extension': true,
      request: { params: connectionPathParams },
      responses: {
        202: { ...jsonResponse(jobSchema, 'The verify job'), headers: { Location: { description: 'Where to poll the job', schema: { type: 'string' } } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { customer_id, provider_name } = c.req.valid('param');
      const connection = await connections.getConnectionByHeadersOrThrow(deps, c.get('applicationId'), customer_id, provider_name);
      const job = await startConnectionVerify(deps, c.get('applicationId'), connection);
      c.header('Location', `/mgmt/v2/jobs/${job.id}`);
      return c.json(job, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{customer_id}/connections/{provider_name}/_rate_limit_info',
      tags,
      security,
      summary: 'Get connection rate limit info',
      description:
        'The rate limits the provider reported on its latest response seen (syncs, discovery, the user id call); `{}` until then and for providers that report none. ' +
        'Beyond the reference, which lists only the 200: 401 without a valid x-api-key, 404 when the customer has no connection to that provider.',
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
