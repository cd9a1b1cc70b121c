/**
 * What the sync services take: sync config bodies, which sync of a connection a command is for, and
 * the filters of the sync and sync-run lists. `id` in `.meta()` names the schema in the API reference.
 */
import { z } from 'zod';
import { paginationQuery } from '../../lib/pagination';

const MAX_PERIOD_MS = 366 * 24 * 3_600_000;

const syncStrategyConfigSchema = z
  .object({
    // At most a year: Temporal refuses intervals past 10,000 years, and nobody means more than one.
    period_ms: z.number().int().min(60000).max(MAX_PERIOD_MS).meta({ description: 'The period (in milliseconds) to run the sync, at most 366 days.', example: 60000 }),
    strategy: z.enum(['full then incremental', 'full only']),
    auto_start_on_connection: z.boolean().optional().meta({ description: 'If true (the default), the sync starts when the connection is created.' }),
    full_sync_every_n_incrementals: z.number().int().positive().optional().meta({ description: 'Run a full sync after N consecutive incremental syncs.' }),
  })
  .superRefine((c, ctx) => {
    if (c.strategy === 'full only' && c.full_sync_every_n_incrementals !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['full_sync_every_n_incrementals'], message: 'full_sync_every_n_incrementals cannot be set for "full only"' });
    }
  })
  .meta({ id: 'sync_strategy_config' });

const objectConfig = z.object({
  // Bounded: object names end up in Temporal schedule search attributes (2 KB max) and table names.
  object: z.string().min(1).max(255),
  sync_strategy_override: syncStrategyConfigSchema.optional(),
  associations_to_fetch: z.array(z.string().min(1)).optional(),
});

export const syncConfigDataSchema = z
  .object({
    default_config: syncStrategyConfigSchema,
    common_objects: z.array(objectConfig).optional().meta({ description: 'A list of Supaglue objects to be synced.' }),
    standard_objects: z.array(objectConfig).optional().meta({ description: 'A list of case-sensitive Provider objects to be synced.' }),
    custom_objects: z.array(objectConfig).optional().meta({ description: 'A list of case-sensitive custom objects to be synced.' }),
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
  .meta({ id: 'sync_config_data' });

export type SyncConfigData = z.infer<typeof syncConfigDataSchema>;

export const createSyncConfigSchema = z
  .object({
    destination_name: z.string().min(1),
    provider_name: z.string().min(1).meta({ example: 'salesforce' }),
    config: syncConfigDataSchema,
  })
  .meta({ id: 'create_sync_config' });

export const updateSyncConfigSchema = z.object({ config: syncConfigDataSchema }).meta({ id: 'update_sync_config' });

export const objectTypeSchema = z.enum(['common', 'standard', 'custom']);

/**
 * Which sync of the connection: an object sync by object_type and object, or an entity sync by
 * entity_id (the reference's oneOf). One object rather than a union so a bad body gets per-field errors.
 */
export const syncRefBody = z
  .object({
    object_type: objectTypeSchema.optional(),
    object: z.string().min(1).optional(),
    entity_id: z.string().min(1).optional().meta({ description: 'Deprecated (Data model: Entities): the entity of an entity sync, instead of object_type and object' }),
  })
  .superRefine((b, ctx) => {
    if (b.entity_id !== undefined) {
      if (b.object_type !== undefined || b.object !== undefined)
        ctx.addIssue({ code: 'custom', path: ['entity_id'], message: 'give either entity_id or object_type and object, not both' });
      return;
    }
    for (const key of ['object_type', 'object'] as const) {
      if (b[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required (or entity_id, for an entity sync)` });
    }
  });
export const triggerBody = syncRefBody.safeExtend({ perform_full_refresh: z.boolean().optional() });
export type SyncRef = z.infer<typeof syncRefBody>;

const filters = {
  ...paginationQuery,
  customer_id: z.string().optional(),
  provider_name: z.string().optional(),
  object_type: objectTypeSchema.optional(),
  object: z.string().optional(),
  entity_id: z.string().optional(),
};

export const listSyncsQuery = z.object(filters);
export const listSyncRunsQuery = z.object({
  ...filters,
  status: z.string().optional().meta({ description: 'The status to filter by (case-insensitive)' }),
  start_timestamp: z.string().optional().meta({ description: 'Start time filter: `>` or `<` followed by an ISO 8601 timestamp' }),
  end_timestamp: z.string().optional().meta({ description: 'End time filter: `>` or `<` followed by an ISO 8601 timestamp' }),
});

export type SyncFilters = z.infer<typeof listSyncsQuery>;
export type SyncRunFilters = z.infer<typeof listSyncRunsQuery>;
