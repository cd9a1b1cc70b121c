import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { groupByCategory, listAvailableConnectors, listSupportedConnectors } from '../../services/catalog/connector-catalog';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security } from '../schemas/common';
import { connectorCatalogSchema, syncConfigIdParam } from '../schemas/connector-catalog';
import { validationHook } from '../validation';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const tags = ['Connectors'];

/** Syncwell extension: which connectors exist, and which a sync config is set up for. */
export function connectorCatalogRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connector_catalog',
      tags,
      security,
      summary: 'List available connectors',
      description:
        'Syncwell extension. Every connector the application can use: the built-in providers (hubspot, salesforce, pipedrive) and its published declarative connectors (`PUT /connectors/{id}`), each with its label, category, auth type, connection parameters, icon and a short description; ' +
        'as a flat list (`connectors`, by category then label) and grouped by category (`categories`).',
      ...EXT,
      responses: { 200: jsonResponse(connectorCatalogSchema, 'The connector catalog'), ...errorResponses },
    }),
    async (c) => {
      const connectors = await listAvailableConnectors(deps, c.get('applicationId'));
      return c.json({ connectors, categories: groupByCategory(connectors) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sync_configs/{sync_config_id}/supported_connectors',
      tags,
      security,
      summary: 'List the connectors a sync config is set up for',
      description:
        "Syncwell extension. The connectors a sync config (Hotglue's flow) syncs from: its provider's, in the catalog's shape; empty when that provider has neither a built-in implementation nor a published connector.",
      ...EXT,
      request: { params: syncConfigIdParam },
      responses: { 200: jsonResponse(connectorCatalogSchema, 'The supported connectors'), ...errorResponses },
    }),
    async (c) => {
      const connectors = await listSupportedConnectors(deps, c.get('applicationId'), c.req.valid('param').sync_config_id);
      return c.json({ connectors, categories: groupByCategory(connectors) }, 200);
    },
  );

  return app;
}
