/** Response shapes of the connection state extension (services/syncs/state.ts). */
import { z } from '@hono/zod-openapi';

const EXT = { 'x-extension': true } as Record<string, unknown>;

const bookmarkRunSchema = z.object({
  id: z.string(),
  status: z.enum(['IN_PROGRESS', 'SUCCESS', 'FAILURE']),
  strategy: z.enum(['full', 'incremental']),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  num_records_synced: z.number().int(),
  error_message: z.string().nullable(),
});

export const bookmarkSchema = z
  .object({
    object_type: z.enum(['common', 'standard', 'custom']),
    object: z.string(),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: 'ISO: the inclusive lower bound the next incremental run reads from (records modified at or after it); null: the next run is full.' }),
    boundary_records: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Records at exactly the cursor that the last run committed; the next run reads the cursor instant again and skips these when unchanged.' }),
    full_refresh_pending: z.boolean().optional(),
    next_run_strategy: z.enum(['full', 'incremental']).openapi({ description: "What the next run will be, from this state and the sync's strategy." }),
    last_full_sync_at: z.string().optional(),
    last_run: bookmarkRunSchema.optional().openapi({ description: "The sync's newest run." }),
  })
  .openapi('bookmark', { ...EXT });

export const connectionStateSchema = z.object({ bookmarks: z.record(z.string(), bookmarkSchema) }).openapi('connection_state', {
  description:
    "Syncwell extension: the state each of the connection's object syncs reads its next run from, keyed by object name. When two objects share a name " +
    '(a common `contact` and a standard `contact`) the standard one keeps the name and the others are keyed `<object_type>/<name>` (`common/contact`).',
  ...EXT,
});
