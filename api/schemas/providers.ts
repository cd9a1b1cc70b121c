import { z } from '@hono/zod-openapi';
import {
  createProviderSchema as createProviderInput,
  objectsSchema,
  providerEntityMappingSchema,
  SECRET_PLACEHOLDER,
  updateProviderSchema as updateProviderInput,
} from '../../services/catalog/provider-inputs';
import { titledUnion } from './common';

export const categorySchema = z.enum(['crm', 'engagement', 'enrichment', 'marketing_automation', 'no_category']).openapi('category');

/** What responses carry: the provider config with a placeholder for the client secret. */
export const providerConfigSafeSchema = z
  .object({
    provider_app_id: z.string(),
    use_managed_oauth: z.boolean().optional(),
    oauth: z.object({
      oauth_scopes: z.array(z.string()),
      access_type: z.enum(['online', 'offline']).optional(),
      credentials: z.object({
        oauth_client_id: z.string(),
        oauth_client_secret: z
          .literal(SECRET_PLACEHOLDER)
          .openapi({ description: `Always "${SECRET_PLACEHOLDER}": the secret is never returned; sent back in an update it keeps the stored one.` }),
      }),
    }),
  })
  .openapi('provider_config', { description: `The provider config as returned: \`oauth_client_secret\` is the placeholder "${SECRET_PLACEHOLDER}", never the secret.` });

const variantTitles = ['crm', 'engagement', 'no category'];

export const createProviderSchema = titledUnion(createProviderInput, variantTitles).openapi('create_provider');

export const updateProviderSchema = titledUnion(updateProviderInput, variantTitles).openapi('update_provider');

export const providerSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    category: categorySchema,
    auth_type: z.enum(['oauth2', 'api_key', 'access_key_secret']),
    name: z.string().openapi({ description: 'A provider_name, or (extension) the name of a declarative connector.' }),
    config: providerConfigSafeSchema.optional(),
    objects: objectsSchema.optional(),
    entity_mappings: z.array(providerEntityMappingSchema).optional(),
  })
  .openapi('provider');

export const providerIdParam = z.object({
  provider_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'provider_id', in: 'path' } }),
});
