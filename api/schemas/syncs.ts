import { z } from '@hono/zod-openapi';
import { paginationQuery } from '../pagination';

const objectType = z.enum(['common', 'standard', 'custom']);

const syncFields = {
  id: z.string(),
  connection_id: z.string(),
  sync_config_id: z.string(),
  paused: z.boolean(),
  pause_reason: z.string().nullable().openapi({ description: 'Extension: why the sync was paused automatically (null when paused by the API or running)' }),
};
const objectSync = z.object({ ...syncFields, type: z.literal('object'), object_type: objectType, object: z.string() }).openapi({ title: 'Data model: Objects' });
const entitySync = z.object({ ...syncFields, type: z.literal('entity'), entity_id: z.string() }).openapi({ title: 'Data model: Entities', deprecated: true });
const withProvider = { provider_name: z.string(), customer_id: z.string() };

export const syncSchema = z.union([objectSync, entitySync]).openapi('sync');

export const syncWithProviderSchema = z.union([objectSync.extend(withProvider), entitySync.extend(withProvider)]).openapi('sync_with_provider_and_customer');

const syncRunFields = {
  id: z.string(),
  sync_id: z.string(),
  error_message: z.string().nullable(),
  start_timestamp: z.string(),
  end_timestamp: z.string().nullable(),
  application_id: z.string(),
  customer_id: z.string(),
  provider_name: z.string(),
  category: z.string(),
  connection_id: z.string(),
  status: z.enum(['SUCCESS', 'IN_PROGRESS', 'FAILURE']),
  num_records_synced: z.number().nullable(),
};

export const syncRunSchema = z
  .union([
    z.object({ ...syncRunFields, object_type: objectType, object: z.string() }).openapi({ title: 'Data model: Objects' }),
    z.object({ ...syncRunFields, entity_id: z.string() }).openapi({ title: 'Data model: Entities', deprecated: true }),
  ])
  .openapi('sync_run');

const page = <T extends z.ZodType>(item: T) =>
  z.object({ next: z.string().nullable(), previous: z.string().nullable(), total_count: z.number(), results: z.array(item) });

export const syncPageSchema = page(syncWithProviderSchema);
export const syncRunPageSchema = page(syncRunSchema);

const filters = {
  ...paginationQuery,
  customer_id: z.string().optional(),
  provider_name: z.string().optional(),
  object_type: objectType.optional(),
  object: z.string().optional(),
  entity_id: z.string().optional(),
};

export const listSyncsQuery = z.object(filters);
export const listSyncRunsQuery = z.object({
  ...filters,
  status: z.string().optional().openapi({ description: 'The status to filter by (case-insensitive)' }),
  start_timestamp: z.string().optional().openapi({ description: 'Start time filter: `>` or `<` followed by an ISO 8601 timestamp' }),
  end_timestamp: z.string().optional().openapi({ description: 'End time filter: `>` or `<` followed by an ISO 8601 timestamp' }),
});

/**
 * Which sync of the connection: an object sync by object_type and object, or an entity sync by
 * entity_id (the reference's oneOf). One object rather than a union so a bad body gets per-field errors.
 */
export const syncRefBody = z
  .object({
    object_type: objectType.optional(),
    object: z.string().min(1).optional(),
    entity_id: z.string().min(1).optional().openapi({ description: 'Deprecated (Data model: Entities): the entity of an entity sync, instead of object_type and object' }),
  })
  .superRefine((b, ctx) => {
    if (b.entity_id !== undefined) {
      if (b.object_type !== undefined || b.object !== undefined) ctx.addIssue({ code: 'custom', path: ['entity_id'], message: 'give either entity_id or object_type and object, not both' });
      return;
    }
    for (const key of ['object_type', 'object'] as const) {
      if (b[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required (or entity_id, for an entity sync)` });
    }
  });
export const triggerBody = syncRefBody.safeExtend({ perform_full_refresh: z.boolean().optional() });
export type SyncRef = z.infer<typeof syncRefBody>;
