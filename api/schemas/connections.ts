import { z } from '@hono/zod-openapi';
import { connectionSyncConfigSchema } from './connection-sync-configs';
import { connectionEntityMappingSchema } from './entity-mappings';
import { objectFieldMappingSchema } from './field-mappings';

export const customerIdPathParam = z.object({
  customer_id: z.string().min(1).openapi({ param: { name: 'customer_id', in: 'path' } }),
});

export const connectionPathParams = customerIdPathParam.extend({
  provider_name: z.string().min(1).openapi({ param: { name: 'provider_name', in: 'path' }, example: 'salesforce' }),
});

export const providerUserIdQuery = z.object({
  provider_name: z.string().min(1).openapi({ param: { name: 'provider_name', in: 'query' }, example: 'hubspot' }),
});

const objectMappings = z.array(z.object({ object: z.string(), field_mappings: z.array(objectFieldMappingSchema) }));

export const connectionSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    customer_id: z.string().openapi({ description: 'The customer ID that uniquely identifies the customer in your application' }),
    provider_id: z.string(),
    provider_name: z.string().openapi({ example: 'salesforce' }),
    category: z.string().openapi({ example: 'crm' }),
    status: z.string().openapi({ example: 'available' }),
    instance_url: z.string().openapi({ description: 'Instance URL for the connected customer.' }),
    schema_mappings_config: z.object({ common_objects: objectMappings.optional(), standard_objects: objectMappings.optional() }).optional(),
    entity_mappings: z.array(connectionEntityMappingSchema).optional(),
    connection_sync_config: connectionSyncConfigSchema.optional(),
  })
  .openapi('connection');

const nonEmpty = z.string().min(1);

/**
 * The spec's per-provider `oneOf`, flattened. Which credentials are required depends on the provider, so
 * services/connections/params.ts checks that: `type` decides for the reference's providers, a declarative
 * connector's own parameters decide for it. `params` (extension) carries connector parameters; `api_key` in the
 * body and `params.api_key` are the same thing.
 */
export const createConnectionSchema = z
  .object({
    provider_name: nonEmpty.openapi({ example: 'apollo' }),
    type: z
      .enum(['api_key', 'access_key_secret', 'oauth2'])
      .optional()
      .openapi({ description: "Required by the reference's providers; optional for a declarative connector, whose auth implies it (api_key)." }),
    api_key: nonEmpty.optional().openapi({ description: 'API key for the connected customer.' }),
    access_key: nonEmpty.optional(),
    access_key_secret: nonEmpty.optional(),
    access_token: nonEmpty.optional(),
    refresh_token: nonEmpty.optional(),
    expires_at: z.string().nullable().optional().openapi({ description: 'When access_token expires (ISO 8601)' }),
    instance_url: z.string().optional(),
    login_url: z.string().optional(),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          'Syncwell extension: connector parameters. For a declarative connector exactly its declared parameters: a required one missing or one it does not declare is a 400. Secret ones (api_key, password, token, secret, access_token, refresh_token, client_secret, ...) are encrypted at rest and never returned.',
        'x-extension': true,
      } as Record<string, unknown>),
  })
  .superRefine((body, ctx) => {
    for (const key of ['api_key', 'access_key', 'access_key_secret', 'access_token', 'refresh_token'] as const) {
      const fromParams = body.params?.[key];
      if (body[key] !== undefined && fromParams !== undefined && fromParams !== body[key]) {
        ctx.addIssue({ code: 'custom', path: ['params', key], message: `params.${key} differs from ${key}` });
      }
    }
    if (body.expires_at && Number.isNaN(Date.parse(body.expires_at))) {
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'expires_at must be an ISO 8601 date-time' });
    }
  })
  .openapi('create_connection');

export type CreateConnectionInput = z.infer<typeof createConnectionSchema>;

const singleRateLimitInfo = z.object({ limit: z.number().int(), remaining: z.number().int(), reset_time: z.number().int().optional() });
export const rateLimitInfoSchema = z
  .object({ daily: singleRateLimitInfo.optional(), hourly: singleRateLimitInfo.optional(), other: z.record(z.string(), singleRateLimitInfo).optional() })
  .openapi('rate_limit_info');

export const providerUserIdSchema = z.object({
  user_id: z.string(),
  raw_details: z.record(z.string(), z.unknown()).optional(),
  additional_raw_details: z.record(z.string(), z.unknown()).optional(),
});
