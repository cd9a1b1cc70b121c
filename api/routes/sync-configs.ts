import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as syncConfigs from '../../services/syncs/configs';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createSyncConfigSchema, updateSyncConfigSchema } from '../../services/syncs/inputs';
import { forceDeleteSyncsQuery, syncConfigIdParam, syncConfigSchema } from '../schemas/sync-configs';
import { validationHook } from '../validation';

const tags = ['SyncConfigs'];

export function syncConfigRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync_configs',
      tags,
      security,
      summary: 'List Sync Configs',
      responses: { 200: jsonResponse(z.array(syncConfigSchema), 'SyncConfigs'), ...errorResponses },
    }),
    async (c) => c.json(await syncConfigs.listSyncConfigs(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sync_configs',
      tags,
      security,
      summary: 'Create Sync Config',
      request: jsonBody(createSyncConfigSchema),
      responses: { 201: jsonResponse(syncConfigSchema, 'SyncConfig created'), ...errorResponses },
    }),
    async (c) => c.json(await syncConfigs.createSyncConfig(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync_configs/{sync_config_id}',
      tags,
      security,
      summary: 'Get Sync Config',
      request: { params: syncConfigIdParam },
      responses: { 200: jsonResponse(syncConfigSchema, 'SyncConfig'), ...errorResponses },
    }),
    async (c) => c.json(await syncConfigs.getSyncConfig(deps, c.get('applicationId'), c.req.valid('param').sync_config_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sync_configs/{sync_config_id}',
      tags,
      security,
      summary: 'Update Sync Config',
      description: 'If the update removes objects or entities that have syncs, it fails with 400 unless `force_delete_syncs=true`, which deletes those syncs for all customers.',
      request: { params: syncConfigIdParam, query: forceDeleteSyncsQuery, ...jsonBody(updateSyncConfigSchema) },
      responses: { 200: jsonResponse(syncConfigSchema, 'SyncConfig'), ...errorResponses },
    }),
    async (c) => {
      const force = c.req.valid('query').force_delete_syncs === 'true';
      return c.json(await syncConfigs.updateSyncConfig(deps, c.get('applicationId'), c.req.valid('param').sync_config_id, c.req.valid('json'), force), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/sync_configs/{sync_config_id}',
      tags,
      security,
      summary: 'Delete Sync Config',
      description: 'If the sync config has syncs, it fails with 400 unless `force_delete_syncs=true`, which deletes them for all customers.',
      request: { params: syncConfigIdParam, query: forceDeleteSyncsQuery },
      responses: { 200: jsonResponse(syncConfigSchema, 'SyncConfig'), ...errorResponses },
    }),
    async (c) => {
      const force = c.req.valid('query').force_delete_syncs === 'true';
      return c.json(await syncConfigs.deleteSyncConfig(deps, c.get('applicationId'), c.req.valid('param').sync_config_id, force), 200);
    },
  );

  return app;
}
