/** Response shapes of the connector catalog extension (services/catalog/connector-catalog.ts). */
import { z } from '@hono/zod-openapi';

const EXT = { 'x-extension': true } as Record<string, unknown>;

export const catalogEntrySchema = z
  .object({
    id: z.string().openapi({ description: 'The provider name its provider and connections use.', example: 'hubspot' }),
    label: z.string().openapi({ example: 'HubSpot' }),
    category: z.enum(['crm', 'engagement', 'no_category']),
    auth_type: z.enum(['oauth2', 'api_key', 'basic', 'bearer', 'none']),
    parameters: z.array(
      z.object({ name: z.string(), label: z.string().optional(), required: z.boolean(), secret: z.boolean(), description: z.string().optional() }).openapi({
        description: 'What a connection may carry (`params`, or top level for api_key and tokens); secret ones are stored encrypted and never returned.',
      }),
    ),
    icon: z.string().optional().openapi({ description: 'An icon URL (a declarative connector’s `logo_url`).' }),
    description: z.string(),
    source: z.enum(['builtin', 'declarative']),
    supports_write: z.boolean().openapi({ description: 'Records can be written to it (`_write`, `_write_jobs`).' }),
  })
  .openapi('connector_catalog_entry', { ...EXT });

export const connectorCatalogSchema = z
  .object({
    connectors: z.array(catalogEntrySchema).openapi({ description: 'Every connector, by category then label.' }),
    categories: z.array(z.object({ category: z.enum(['crm', 'engagement', 'no_category']), connectors: z.array(catalogEntrySchema) })).openapi({
      description: 'The same connectors grouped by category (categories in name order).',
    }),
  })
  .openapi('connector_catalog', {
    description: 'Syncwell extension: the built-in providers and the application’s published declarative connectors, as a flat list and grouped by category.',
    ...EXT,
  });

export const syncConfigIdParam = z.object({
  sync_config_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'sync_config_id', in: 'path' } }),
});
