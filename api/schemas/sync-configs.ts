import { z } from '@hono/zod-openapi';

export const syncStrategyConfigSchema = z
  .object({
    period_ms: z.number().int().min(60000).openapi({ description: 'The period (in milliseconds) to run the sync.', example: 60000 }),
    strategy: z.enum(['full then incremental', 'full only']),
    auto_start_on_connection: z.boolean().optional().openapi({ description: 'If true (the default), the sync starts when the connection is created.' }),
    full_sync_every_n_incrementals: z.number().int().positive().optional().openapi({ description: 'Run a full sync after N consecutive incremental syncs.' }),
  })
  .superRefine((c, ctx) => {
    if (c.strategy === 'full only' && c.full_sync_every_n_incrementals !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['full_sync_every_n_incrementals'], message: 'full_sync_every_n_incrementals cannot be set for "full only"' });
    }
  })
  .openapi('sync_strategy_config');

const objectConfig = z.object({
  // Bounded: object names end up in Temporal schedule search attributes (2 KB max) and table names.
  object: z.string().min(1).max(255),
  sync_strategy_override: syncStrategyConfigSchema.optional(),
  associations_to_fetch: z.array(z.string().min(1)).optional(),
});

export const syncConfigDataSchema = z
  .object({
    default_config: syncStrategyConfigSchema,
    common_objects: z.array(objectConfig).optional().openapi({ description: 'A list of Supaglue objects to be synced.' }),
    standard_objects: z.array(objectConfig).optional().openapi({ description: 'A list of case-sensitive Provider objects to be synced.' }),
    custom_objects: z.array(objectConfig).optional().openapi({ description: 'A list of case-sensitive custom objects to be synced.' }),
    entities: z.array(z.object({ entity_id: z.string().min(1) })).optional(),
  })
  .superRefine((c, ctx) => {
    for (const key of ['common_objects', 'standard_objects', 'custom_objects'] as const) {
      const seen = new Set<string>();
      c[key]?.forEach((o, i) => {
        if (seen.has(o.object)) ctx.addIssue({ code: 'custom', path: [key, i, 'object'], message: `duplicate object ${o.object}` });
        seen.add(o.object);
      });
    }
    const seen = new Set<string>();
    c.entities?.forEach((e, i) => {
      if (seen.has(e.entity_id)) ctx.addIssue({ code: 'custom', path: ['entities', i, 'entity_id'], message: `duplicate entity ${e.entity_id}` });
      seen.add(e.entity_id);
    });
  })
  .openapi('sync_config_data');

export type SyncConfigData = z.infer<typeof syncConfigDataSchema>;

export const syncConfigSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    destination_name: z.string(),
    provider_name: z.string(),
    config: syncConfigDataSchema,
  })
  .openapi('sync_config');

export const createSyncConfigSchema = z
  .object({
    destination_name: z.string().min(1),
    provider_name: z.string().min(1).openapi({ example: 'salesforce' }),
    config: syncConfigDataSchema,
  })
  .openapi('create_sync_config');

export const updateSyncConfigSchema = z.object({ config: syncConfigDataSchema }).openapi('update_sync_config');

export const syncConfigIdParam = z.object({
  sync_config_id: z.string().min(1).openapi({ param: { name: 'sync_config_id', in: 'path' }, example: 'd583ec72-55d4-4f35-9668-f6c759674cc1' }),
});

export const forceDeleteSyncsQuery = z.object({
  force_delete_syncs: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'force_delete_syncs', in: 'query' }, description: 'If true, syncs that the change removes are deleted (for all customers)' }),
});
