import { z } from '@hono/zod-openapi';
import { connectionSyncConfigSchema } from '../../services/connections/inputs';
import { connectionEntityMappingSchema, objectFieldMappingSchema } from '../../services/catalog/mapping-inputs';

export const customerIdPathParam = z.object({
  customer_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'customer_id', in: 'path' } }),
});

export const connectionPathParams = customerIdPathParam.extend({
  provider_name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'provider_name', in: 'path' }, example: 'salesforce' }),
});

export const providerUserIdQuery = z.object({
  provider_name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'provider_name', in: 'query' }, example: 'hubspot' }),
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

const singleRateLimitInfo = z.object({ limit: z.number().int(), remaining: z.number().int(), reset_time: z.number().int().optional() });
export const rateLimitInfoSchema = z
  .object({ daily: singleRateLimitInfo.optional(), hourly: singleRateLimitInfo.optional(), other: z.record(z.string(), singleRateLimitInfo).optional() })
  .openapi('rate_limit_info');

export const providerUserIdSchema = z.object({
  user_id: z.string(),
  raw_details: z.record(z.string(), z.unknown()).optional(),
  additional_raw_details: z.record(z.string(), z.unknown()).optional(),
});
