import { z } from '@hono/zod-openapi';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhooks/endpoints';

const EXT = { 'x-extension': true } as Record<string, unknown>;
const ext = (description: string) => ({ description: `Syncwell extension: ${description}`, ...EXT });

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).openapi('webhook_event_type', ext('the type of a webhook event (see the `webhooks` section).'));

const noNul = (s: string) => !s.includes('\u0000');

export const createWebhookEndpointSchema = z
  .object({
    url: z
      .string()
      .min(1)
      .max(2048)
      .refine(noNul, 'must not contain NUL characters')
      .openapi({ description: 'Where events are POSTed: an http or https URL (no user:password)', example: 'https://example.com/webhooks/syncwell' }),
    description: z.string().max(1000).refine(noNul, 'must not contain NUL characters').nullable().optional(),
    event_types: z.array(webhookEventTypeSchema).min(1).nullable().optional().openapi({ description: 'The event types this endpoint receives; omitted or null: every type' }),
    enabled: z.boolean().optional().openapi({ description: 'Default true' }),
  })
  .strict()
  .openapi('create_webhook_endpoint', ext('a webhook endpoint to create.'));

export const updateWebhookEndpointSchema = createWebhookEndpointSchema
  .partial()
  .strict()
  .openapi('update_webhook_endpoint', ext('the fields of a webhook endpoint to change; enabling clears `disabled_reason`.'));

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()).nullable().openapi({ description: 'null: every event type' }),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().openapi({ description: 'Why delivery disabled the endpoint (it answered 410 Gone); null otherwise' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('webhook_endpoint', ext('an endpoint that receives signed webhook events (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`).'));

export const webhookEndpointWithSecretSchema = webhookEndpointSchema
  .extend({
    secret: z
      .string()
      .openapi({ description: 'The signing secret (`whsec_…`). Returned only by create and rotate: store it now.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  })
  .openapi('webhook_endpoint_with_secret', ext('a webhook endpoint with its signing secret.'));

export const webhookEndpointIdParam = z.object({
  webhook_endpoint_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'webhook_endpoint_id', in: 'path' } }),
});

export const webhookEventIdParam = z.object({
  webhook_event_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'webhook_event_id', in: 'path' } }),
});

export const listWebhookEventsQuery = z.object({
  after: z.string().optional().openapi({ description: 'The `next` cursor of a previous page: events after it' }),
  event_type: webhookEventTypeSchema.optional(),
  page_size: z.string().regex(/^\d+$/, 'must be a positive integer').optional().openapi({ description: 'Events per page (default 100, max 1000)' }),
});

export const webhookEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: 'The body delivered to endpoints, as the `webhooks` section defines it' }),
    created_at: z.string(),
  })
  .openapi('webhook_event', ext('an event of the application.'));

export const webhookEventPageSchema = z
  .object({
    next: z.string().nullable().openapi({ description: 'Cursor past the last event of this page; null when the page is empty. Keep the last non-null one to tail the log.' }),
    results: z.array(webhookEventSchema),
  })
  .openapi('webhook_event_page', ext('a page of the event log, in order.'));

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    endpoint_id: z.string(),
    workflow_id: z.string().openapi({ description: 'The delivery series: `webhook:<event id>`, or `…:redeliver:<uuid>` for a redelivery' }),
    attempt: z.number().int(),
    status_code: z.number().int().nullable().openapi({ description: 'null: no response (timeout, network error)' }),
    success: z.boolean(),
    latency_ms: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('webhook_delivery', ext('one delivery attempt of an event to an endpoint.'));

export const webhookDeliveryListSchema = z.object({ results: z.array(webhookDeliverySchema) }).openapi('webhook_delivery_list', ext('delivery attempts, oldest first.'));

export const redeliverySchema = z.object({ event_id: z.string(), workflow_id: z.string() }).openapi('webhook_redelivery', ext('a redelivery that was started.'));
