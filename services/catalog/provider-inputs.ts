/**
 * What the provider services take: provider bodies (category, auth, OAuth app config, objects to
 * sync, entity mappings) and the provider names each category allows. `id` in `.meta()` names the
 * schema in the API reference.
 */
import { z } from 'zod';
import { noNulChars } from '../../lib/nul-chars';

export const CRM_PROVIDER_NAMES = ['hubspot', 'salesforce', 'pipedrive', 'zendesk_sell', 'ms_dynamics_365_sales', 'zoho_crm', 'capsule'] as const;
export const ENGAGEMENT_PROVIDER_NAMES = ['outreach', 'apollo', 'salesloft'] as const;
export const NO_CATEGORY_PROVIDER_NAMES = ['intercom', 'gong', 'linear'] as const;
/** Names of declarative connectors (extension): lowercase letters, digits and dashes. */
const CONNECTOR_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

const RESERVED_NAMES = new Set<string>([...CRM_PROVIDER_NAMES, ...ENGAGEMENT_PROVIDER_NAMES]);

const crmName = z.enum(CRM_PROVIDER_NAMES).meta({ id: 'provider_name_crm' });
const engagementName = z.enum(ENGAGEMENT_PROVIDER_NAMES).meta({ id: 'provider_name_engagement' });
const noCategoryName = z
  .string()
  .max(100)
  .regex(CONNECTOR_NAME_RE, 'must be a provider name of lowercase letters, digits and dashes')
  .refine((n) => !RESERVED_NAMES.has(n), { message: 'this provider belongs to the crm or engagement category' })
  .meta({
    id: 'provider_name_no_category',
    description: `One of ${NO_CATEGORY_PROVIDER_NAMES.join(', ')}. Extension: any name matching ${CONNECTOR_NAME_RE.source} naming a published declarative connector.`,
    'x-extension': true,
  });

/**
 * What responses carry in place of the OAuth client secret: the reference requires the field, and
 * the secret itself is never returned. Sent back in an update, it means "keep the stored secret",
 * so a client may PUT what it just read.
 */
export const SECRET_PLACEHOLDER: '********' = '********';

const oauthScopes = z.array(z.string().min(1)).max(200);
const accessType = z
  .enum(['online', 'offline'])
  .optional()
  .meta({ description: 'Extension: OAuth access type requested at authorization (providers that distinguish it).', 'x-extension': true });

const createProviderConfigSchema = z
  .object({
    provider_app_id: z.string().max(255).optional().meta({ description: 'Defaults to "".' }),
    use_managed_oauth: z.boolean().optional().meta({ description: "True: use Supaglue's OAuth application credentials. False: Use the provided OAuth application credentials." }),
    oauth: z.object({
      oauth_scopes: oauthScopes,
      access_type: accessType,
      credentials: z.object({
        oauth_client_id: z.string().min(1).max(1000),
        oauth_client_secret: z
          .string()
          .min(1)
          .max(4000)
          .meta({ description: `Stored encrypted; responses carry "${SECRET_PLACEHOLDER}" instead.` }),
      }),
    }),
  })
  .meta({ id: 'create_provider_config', description: 'An object that stores Oauth2/API key/access key related credentials.' });

const updateProviderConfigSchema = z
  .object({
    provider_app_id: z.string().max(255).optional(),
    use_managed_oauth: z.boolean().optional(),
    oauth: z.object({
      oauth_scopes: oauthScopes,
      access_type: accessType,
      credentials: z.object({
        oauth_client_id: z.string().min(1).max(1000),
        oauth_client_secret: z
          .string()
          .min(1)
          .max(4000)
          .optional()
          .meta({ description: `Omit, or send "${SECRET_PLACEHOLDER}" (what responses carry), to keep the stored secret. Stored encrypted; never returned.` }),
      }),
    }),
  })
  .meta({ id: 'update_provider_config', description: 'An object that stores Oauth2/API key/access key related credentials.' });

const objectRef = z.object({
  name: z.string().min(1).max(255),
  schema_id: z
    .string()
    .optional()
    .meta({ description: 'If set, will sync these mapped fields into the raw_data column in addition to the common object. If not set, will fetch all fields as is.' }),
});

function uniqueNames(list: Array<{ name: string }> | undefined, key: string, ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  list?.forEach((o, i) => {
    if (seen.has(o.name)) ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate object "${o.name}"` });
    seen.add(o.name);
  });
}

export const objectsSchema = z
  .object({ common: z.array(objectRef).max(500).optional(), standard: z.array(objectRef).max(500).optional() })
  .superRefine((o, ctx) => {
    uniqueNames(o.common, 'common', ctx);
    uniqueNames(o.standard, 'standard', ctx);
  })
  .meta({ id: 'objects', description: 'Objects to sync, each optionally with the id of a schema of this application.' });

export const providerEntityMappingSchema = z
  .object({
    entity_id: z.string().min(1),
    object: z.object({ type: z.literal('standard'), name: z.string().min(1) }).optional(),
    field_mappings: z
      .array(
        z.object({
          entity_field: z.string().min(1).meta({ description: 'The name of the field in your application.' }),
          mapped_field: z.string().min(1).meta({ description: "The name of the field in your customer's third-party Provider tool (e.g. Salesforce)." }),
        }),
      )
      .optional(),
  })
  .meta({ id: 'provider_entity_mapping', deprecated: true });

const entityMappings = z.array(providerEntityMappingSchema).max(500);

/** Variants in the order crm, engagement, no category (api/ titles them so). */
export const createProviderSchema = z
  .discriminatedUnion('category', [
    z.object({ auth_type: z.literal('oauth2'), config: createProviderConfigSchema, objects: objectsSchema.optional(), category: z.literal('crm'), name: crmName }),
    z.object({
      auth_type: z.literal('oauth2'),
      config: createProviderConfigSchema,
      objects: objectsSchema.optional(),
      category: z.literal('engagement'),
      name: engagementName,
    }),
    z
      .object({
        auth_type: z.enum(['api_key', 'oauth2']).meta({ description: 'oauth2: extension, for a declarative connector with oauth2 auth (the hosted connect uses config.oauth).' }),
        config: createProviderConfigSchema.optional().register(z.globalRegistry, { description: 'Required when auth_type is oauth2.' }),
        category: z.literal('no_category').optional(),
        name: noCategoryName,
        objects: objectsSchema.optional(),
      })
      .superRefine((v, ctx) => {
        if (v.auth_type === 'oauth2' && !v.config) ctx.addIssue({ code: 'custom', path: ['config'], message: 'config is required when auth_type is oauth2' });
      }),
  ])
  .superRefine(noNulChars);

/** Variants in the order crm, engagement, no category (api/ titles them so). */
export const updateProviderSchema = z
  .discriminatedUnion('category', [
    z.object({
      auth_type: z.literal('oauth2'),
      config: updateProviderConfigSchema,
      objects: objectsSchema.optional(),
      entity_mappings: entityMappings.optional(),
      category: z.literal('crm'),
      name: crmName,
    }),
    z.object({
      auth_type: z.literal('oauth2'),
      config: updateProviderConfigSchema,
      objects: objectsSchema.optional(),
      entity_mappings: entityMappings.optional(),
      category: z.literal('engagement'),
      name: engagementName,
    }),
    z
      .object({
        auth_type: z.enum(['oauth2', 'api_key']).meta({ description: 'api_key: extension, for declarative connectors.' }),
        // register(), not meta(): a described copy of the optional would lose the config's schema name in the API reference.
        config: updateProviderConfigSchema.optional().register(z.globalRegistry, { description: 'Required when auth_type is oauth2.' }),
        objects: objectsSchema.optional(),
        entity_mappings: entityMappings.optional(),
        category: z.literal('no_category'),
        name: noCategoryName,
      })
      .superRefine((v, ctx) => {
        if (v.auth_type === 'oauth2' && !v.config) ctx.addIssue({ code: 'custom', path: ['config'], message: 'config is required when auth_type is oauth2' });
      }),
  ])
  .superRefine(noNulChars)
  .meta({ description: 'Omitted `objects` / `entity_mappings` keep their current value; name and category cannot change.' });

export type CreateProviderInput = z.infer<typeof createProviderSchema>;
export type UpdateProviderInput = z.infer<typeof updateProviderSchema>;
export type ProviderObjects = z.infer<typeof objectsSchema>;
export type ProviderEntityMapping = z.infer<typeof providerEntityMappingSchema>;
