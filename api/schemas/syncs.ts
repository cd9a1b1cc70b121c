import { z } from '@hono/zod-openapi';
import { objectTypeSchema } from '../../services/syncs/inputs';

const syncFields = {
  id: z.string(),
  connection_id: z.string(),
  sync_config_id: z.string(),
  paused: z.boolean(),
  pause_reason: z.string().nullable().openapi({ description: 'Extension: why the sync was paused automatically (null when paused by the API or running)' }),
};
const objectSync = z.object({ ...syncFields, type: z.literal('object'), object_type: objectTypeSchema, object: z.string() }).openapi({ title: 'Data model: Objects' });
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
    z.object({ ...syncRunFields, object_type: objectTypeSchema, object: z.string() }).openapi({ title: 'Data model: Objects' }),
    z.object({ ...syncRunFields, entity_id: z.string() }).openapi({ title: 'Data model: Entities', deprecated: true }),
  ])
  .openapi('sync_run');

const page = <T extends z.ZodType>(item: T) => z.object({ next: z.string().nullable(), previous: z.string().nullable(), total_count: z.number(), results: z.array(item) });

export const syncPageSchema = page(syncWithProviderSchema);
export const syncRunPageSchema = page(syncRunSchema);
