import { z } from '@hono/zod-openapi';
import { paginationQuery } from '../pagination';

const objectType = z.enum(['common', 'standard', 'custom']);

export const syncSchema = z
  .object({
    id: z.string(),
    type: z.enum(['object', 'entity']),
    object_type: objectType.nullable(),
    object: z.string().nullable(),
    connection_id: z.string(),
    sync_config_id: z.string(),
    paused: z.boolean(),
    pause_reason: z.string().nullable().openapi({ description: 'Extension: why the sync was paused automatically (null when paused by the API or running)' }),
  })
  .openapi('sync');

export const syncWithProviderSchema = syncSchema.extend({ provider_name: z.string(), customer_id: z.string() }).openapi('sync_with_provider_and_customer');

export const syncRunSchema = z
  .object({
    id: z.string(),
    sync_id: z.string(),
    object_type: objectType.nullable(),
    object: z.string().nullable(),
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
  })
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

export const syncObjectBody = z.object({ object_type: objectType, object: z.string().min(1) });
export const triggerBody = syncObjectBody.extend({ perform_full_refresh: z.boolean().optional() });
