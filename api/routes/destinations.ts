import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as destinations from '../../services/destinations/destinations';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createDestinationSchema, destinationIdParam, destinationSchema, updateDestinationSchema } from '../schemas/destinations';
import { validationHook } from '../validation';

const tags = ['Destinations'];

export function destinationRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/destinations',
      tags,
      security,
      summary: 'List destinations',
      responses: { 200: jsonResponse(z.array(destinationSchema), 'Destinations'), ...errorResponses },
    }),
    async (c) => c.json(await destinations.listDestinations(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/destinations',
      tags,
      security,
      summary: 'Create destination',
      description: 'Secrets are stored encrypted and never returned. The `supaglue` type is not supported (422).',
      request: jsonBody(createDestinationSchema),
      responses: { 201: jsonResponse(destinationSchema, 'Destination created'), ...errorResponses },
    }),
    async (c) => c.json(await destinations.createDestination(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/destinations/{destination_id}',
      tags,
      security,
      summary: 'Get destination',
      request: { params: destinationIdParam },
      responses: { 200: jsonResponse(destinationSchema, 'Destination'), ...errorResponses },
    }),
    async (c) => c.json(await destinations.getDestination(deps, c.get('applicationId'), c.req.valid('param').destination_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/destinations/{destination_id}',
      tags,
      security,
      summary: 'Update destination',
      description: '`version` must be the current version (409 otherwise); the response carries the next one. Omitted secrets keep their stored values.',
      request: { params: destinationIdParam, ...jsonBody(updateDestinationSchema) },
      responses: { 200: jsonResponse(destinationSchema, 'Destination'), ...errorResponses },
    }),
    async (c) => c.json(await destinations.updateDestination(deps, c.get('applicationId'), c.req.valid('param').destination_id, c.req.valid('json')), 200),
  );

  return app;
}
