import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import * as connectors from '../../services/catalog/connectors';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { connectorDefinitionBodySchema, connectorIdParam, connectorSchema, inferSchemaBodySchema, jsonSchemaSchema } from '../schemas/connectors';
import { validationHook } from '../validation';

const tags = ['Connectors'];
const EXT = 'Syncwell extension (not in the Supaglue API). ';
const ext = { 'x-extension': true } as Record<string, unknown>;

export function connectorRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors',
      tags,
      security,
      summary: 'List connectors',
      description: `${EXT}The application's published declarative connectors, by id.`,
      ...ext,
      responses: { 200: jsonResponse(z.array(connectorSchema), 'Connectors'), ...errorResponses },
    }),
    async (c) => c.json(await connectors.listConnectors(deps, c.get('applicationId')), 200),
  );

  // Registered before /connectors/{connector_id} so the literal segment is documented first.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/connectors/_infer_schema',
      tags,
      security,
      summary: 'Infer a JSON Schema from sample records',
      description: `${EXT}Merges types across the samples; fields missing or null in any sample are nullable; ISO timestamps get format date-time.`,
      ...ext,
      request: jsonBody(inferSchemaBodySchema),
      responses: { 200: jsonResponse(jsonSchemaSchema, 'JSON Schema'), ...errorResponses },
    }),
    async (c) => c.json(connectors.inferRecordsSchema(c.req.valid('json').records) as Record<string, unknown>, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors/{connector_id}',
      tags,
      security,
      summary: 'Get connector',
      description: `${EXT}`,
      ...ext,
      request: { params: connectorIdParam },
      responses: { 200: jsonResponse(connectorSchema, 'Connector'), ...errorResponses },
    }),
    async (c) => c.json(await connectors.getConnector(deps, c.get('applicationId'), c.req.valid('param').connector_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/connectors/{connector_id}',
      tags,
      security,
      summary: 'Create or replace connector',
      description: `${EXT}Publishes a Connector Builder definition under this id (the provider_name of its connections). Invalid definitions are answered with 400 and one \`meta.fields\` entry per problem (path such as \`streams.0.pagination.limit\`).`,
      ...ext,
      request: { params: connectorIdParam, ...jsonBody(connectorDefinitionBodySchema) },
      responses: { 200: jsonResponse(connectorSchema, 'Connector replaced'), 201: jsonResponse(connectorSchema, 'Connector created'), ...errorResponses },
    }),
    async (c) => {
      const { created, connector } = await connectors.putConnector(deps, c.get('applicationId'), c.req.valid('param').connector_id, c.req.valid('json'));
      return created ? c.json(connector, 201) : c.json(connector, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/connectors/{connector_id}',
      tags,
      security,
      summary: 'Delete connector',
      description: `${EXT}409 while a connection uses it (delete the connections first).`,
      ...ext,
      request: { params: connectorIdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await connectors.deleteConnector(deps, c.get('applicationId'), c.req.valid('param').connector_id);
      return c.body(null, 204);
    },
  );

  return app;
}
