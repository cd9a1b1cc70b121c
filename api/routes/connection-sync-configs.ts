import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import * as connectionSyncConfigs from '../../services/connections/sync-configs';
import type { AppDeps, AuthedEnv } from '../deps';
import { connectionHeaders, errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { connectionSyncConfigSchema, upsertConnectionSyncConfigSchema } from '../../services/connections/inputs';
import { validationHook } from '../validation';

const tags = ['ConnectionSyncConfigs'];

export function connectionSyncConfigRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connection_sync_configs',
      tags,
      security,
      summary: 'Get connection sync config',
      request: { headers: connectionHeaders },
      responses: { 200: jsonResponse(connectionSyncConfigSchema, 'Connection Sync Config'), ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      return c.json(await connectionSyncConfigs.getConnectionSyncConfig(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name']), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/connection_sync_configs',
      tags,
      security,
      summary: 'Upsert connection sync config',
      description: 'Overrides the SyncConfig and Destination configuration for one customer connection (objects synced, schema/dataset, table names).',
      request: { headers: connectionHeaders, ...jsonBody(upsertConnectionSyncConfigSchema) },
      responses: { 200: jsonResponse(connectionSyncConfigSchema, 'Connection Sync Config'), ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      return c.json(await connectionSyncConfigs.upsertConnectionSyncConfig(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name'], c.req.valid('json')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/connection_sync_configs',
      tags,
      security,
      summary: 'Delete connection sync config',
      request: { headers: connectionHeaders },
      responses: { 204: { description: 'Connection Sync Config' }, ...errorResponses },
    }),
    async (c) => {
      const h = c.req.valid('header');
      await connectionSyncConfigs.deleteConnectionSyncConfig(deps, c.get('applicationId'), h['x-customer-id'], h['x-provider-name']);
      return c.body(null, 204);
    },
  );

  return app;
}
