/**
 * What the connection services take: a connection's credentials and the per-connection sync config
 * overrides. `id` in `.meta()` names the schema in the API reference.
 */
import { z } from 'zod';

const nonEmpty = z.string().min(1);

/**
 * The spec's per-provider `oneOf`, flattened. Which credentials are required depends on the provider, so
 * services/connections/params.ts checks that: `type` decides for the reference's providers, a declarative
 * connector's own parameters decide for it. `params` (extension) carries connector parameters; `api_key` in the
 * body and `params.api_key` are the same thing.
 */
export const createConnectionSchema = z
  .object({
    provider_name: nonEmpty.meta({ example: 'apollo' }),
    type: z
      .enum(['api_key', 'access_key_secret', 'oauth2'])
      .optional()
      .meta({ description: "Required by the reference's providers; optional for a declarative connector, whose auth implies it (api_key)." }),
    api_key: nonEmpty.optional().meta({ description: 'API key for the connected customer.' }),
    access_key: nonEmpty.optional(),
    access_key_secret: nonEmpty.optional(),
    access_token: nonEmpty.optional(),
    refresh_token: nonEmpty.optional(),
    expires_at: z.string().nullable().optional().meta({ description: 'When access_token expires (ISO 8601)' }),
    instance_url: z.string().optional(),
    login_url: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional().meta({
      description:
        'Syncwell extension: connector parameters. For a declarative connector exactly its declared parameters: a required one missing or one it does not declare is a 400. Secret ones (api_key, password, token, secret, access_token, refresh_token, client_secret, ...) are encrypted at rest and never returned.',
      'x-extension': true,
    }),
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
  .meta({ id: 'create_connection' });

export type CreateConnectionInput = z.infer<typeof createConnectionSchema>;

const destinationConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('postgres'), schema: z.string().min(1).meta({ description: "The schema you'd like to sync to (must exist)" }) }),
  z.object({ type: z.literal('bigquery'), dataset: z.string().min(1).meta({ description: "The dataset you'd like to sync to (must exist)" }) }),
]);

const objectOverride = z.object({
  object: z.string().min(1).max(255).meta({ description: 'The Provider object name (case sensitive)', example: 'Contact' }),
  table: z.string().min(1).max(255).optional().meta({ description: 'The table to write the object to', example: 'my_contacts' }),
});

const syncConfigFields = {
  destination_config: destinationConfig.optional().meta({ description: 'An object to override the default Destination configuration per connection.' }),
  standard_objects: z.array(objectOverride).optional(),
  custom_objects: z.array(objectOverride).optional(),
};

/** A connection's sync config overrides as stored and returned. */
export const connectionSyncConfigSchema = z.object(syncConfigFields).meta({ id: 'connection_sync_config' });

export const upsertConnectionSyncConfigSchema = z
  .object(syncConfigFields)
  .superRefine((body, ctx) => {
    for (const key of ['standard_objects', 'custom_objects'] as const) {
      const seen = new Set<string>();
      body[key]?.forEach((o, i) => {
        if (seen.has(o.object)) ctx.addIssue({ code: 'custom', path: [key, i, 'object'], message: `duplicate object ${o.object}` });
        seen.add(o.object);
      });
    }
  })
  .meta({ id: 'upsert_connection_sync_config' });

export type ConnectionSyncConfigInput = z.infer<typeof upsertConnectionSyncConfigSchema>;
