import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import * as webhooks from '../../services/webhooks/endpoints';
import type { AppDeps, AuthedEnv } from '../deps';
import { errorResponses, jsonResponse, security } from '../schemas/common';
import { listWebhookEventsQuery, redeliverySchema, webhookDeliveryListSchema, webhookEventIdParam, webhookEventPageSchema } from '../schemas/webhooks';
import { validationHook } from '../validation';

const tags = ['Webhook events'];
const EXT = { 'x-extension': true } as Record<string, unknown>;

/** Syncwell extension: the application's event log, delivery attempts and redelivery. */
export function webhookEventRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook_events',
      tags,
      security,
      summary: 'List webhook events',
      description: 'Syncwell extension. Every event of the application in order (whether or not an endpoint receives it), with cursor paging: pass `next` as `after`.',
      ...EXT,
      request: { query: listWebhookEventsQuery },
      responses: { 200: jsonResponse(webhookEventPageSchema, 'Events'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.listWebhookEvents(deps, c.get('applicationId'), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook_events/{webhook_event_id}/deliveries',
      tags,
      security,
      summary: 'List the delivery attempts of a webhook event',
      description: 'Syncwell extension.',
      ...EXT,
      request: { params: webhookEventIdParam },
      responses: { 200: jsonResponse(webhookDeliveryListSchema, 'Delivery attempts, oldest first'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.listWebhookDeliveries(deps, c.get('applicationId'), c.req.valid('param').webhook_event_id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook_events/{webhook_event_id}/_redeliver',
      tags,
      security,
      summary: 'Deliver a webhook event again',
      description:
        'Syncwell extension. Starts a new delivery (its own retry schedule) to every enabled endpoint that receives the event type now. The `webhook-id` header is the same as before, so receivers that deduplicate will drop a copy they already processed.',
      ...EXT,
      request: { params: webhookEventIdParam },
      responses: { 202: jsonResponse(redeliverySchema, 'Redelivery started'), ...errorResponses },
    }),
    async (c) => c.json(await webhooks.redeliverWebhookEvent(deps, c.get('applicationId'), c.req.valid('param').webhook_event_id), 202),
  );

  return app;
}
