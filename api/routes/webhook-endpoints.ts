import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import * as webhooks from '../../services/webhooks/endpoints';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonBody, jsonResponse, security } from '../schemas/common';
import { createWebhookEndpointSchema, updateWebhookEndpointSchema, webhookEndpointIdParam, webhookEndpointSchema, webhookEndpointWithSecretSchema } from '../schemas/webhooks';
import { validationHook } from '../validation';

const tags = ['Webhook endpoints'];
const EXT = { 'x-extension': true } as Record<string, unknown>;

/** Syncwell extension: several webhook endpoints per application, each with its own signing secret. */
export function webhookEndpointRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook_endpoints',
      tags,
      security,
      summary: 'List webhook endpoints',
      description: 'Syncwell extension. Secrets are never listed.',
      ...EXT,
      responses: { 200: jsonResponse(z.array(webhookEndpointSchema), 'Webhook endpoints'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.listWebhookEndpoints(deps, c.get('applicationId')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook_endpoints',
      tags,
      security,
      summary: 'Create a webhook endpoint',
      description: 'Syncwell extension. The response carries the signing secret; it is never returned again (rotate it to get a new one).',
      ...EXT,
      request: jsonBody(createWebhookEndpointSchema),
      responses: { 201: jsonResponse(webhookEndpointWithSecretSchema, 'Created, with its signing secret'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.createWebhookEndpoint(deps, c.get('applicationId'), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook_endpoints/{webhook_endpoint_id}',
      tags,
      security,
      summary: 'Get a webhook endpoint',
      description: 'Syncwell extension.',
      ...EXT,
      request: { params: webhookEndpointIdParam },
      responses: { 200: jsonResponse(webhookEndpointSchema, 'Webhook endpoint'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.getWebhookEndpoint(deps, c.get('applicationId'), c.req.valid('param').webhook_endpoint_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/webhook_endpoints/{webhook_endpoint_id}',
      tags,
      security,
      summary: 'Update a webhook endpoint',
      description: 'Syncwell extension. Only the fields given change; `enabled: true` re-enables an endpoint disabled after a 410.',
      ...EXT,
      request: { params: webhookEndpointIdParam, ...jsonBody(updateWebhookEndpointSchema) },
      responses: { 200: jsonResponse(webhookEndpointSchema, 'Updated'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.updateWebhookEndpoint(deps, c.get('applicationId'), c.req.valid('param').webhook_endpoint_id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhook_endpoints/{webhook_endpoint_id}',
      tags,
      security,
      summary: 'Delete a webhook endpoint',
      description: 'Syncwell extension. Pending retries to it stop.',
      ...EXT,
      request: { params: webhookEndpointIdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await webhooks.deleteWebhookEndpoint(deps, c.get('applicationId'), c.req.valid('param').webhook_endpoint_id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook_endpoints/{webhook_endpoint_id}/_rotate_secret',
      tags,
      security,
      summary: 'Rotate the signing secret of a webhook endpoint',
      description: 'Syncwell extension. The old secret stops signing at once; the new one is returned only here.',
      ...EXT,
      request: { params: webhookEndpointIdParam },
      responses: { 200: jsonResponse(webhookEndpointWithSecretSchema, 'The endpoint with its new secret'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.rotateWebhookEndpointSecret(deps, c.get('applicationId'), c.req.valid('param').webhook_endpoint_id), 200),
  );

  return app;
}
