import { z } from '@hono/zod-openapi';
import { syncConfigDataSchema } from '../../services/syncs/inputs';

export const syncConfigSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    destination_name: z.string(),
    provider_name: z.string(),
    config: syncConfigDataSchema,
  })
  .openapi('sync_config');

export const syncConfigIdParam = z.object({
  sync_config_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'sync_config_id', in: 'path' }, example: 'd583ec72-55d4-4f35-9668-f6c759674cc1' }),
});

export const forceDeleteSyncsQuery = z.object({
  force_delete_syncs: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'force_delete_syncs', in: 'query' }, description: 'If true, syncs that the change removes are deleted (for all customers)' }),
});
