import { z } from '@hono/zod-openapi';

const destinationConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('postgres'), schema: z.string().min(1).openapi({ description: "The schema you'd like to sync to (must exist)" }) }),
  z.object({ type: z.literal('bigquery'), dataset: z.string().min(1).openapi({ description: "The dataset you'd like to sync to (must exist)" }) }),
]);

const objectOverride = z.object({
  object: z.string().min(1).max(255).openapi({ description: 'The Provider object name (case sensitive)', example: 'Contact' }),
  table: z.string().min(1).max(255).optional().openapi({ description: 'The table to write the object to', example: 'my_contacts' }),
});

const fields = {
  destination_config: destinationConfig.optional().openapi({ description: 'An object to override the default Destination configuration per connection.' }),
  standard_objects: z.array(objectOverride).optional(),
  custom_objects: z.array(objectOverride).optional(),
};

export const connectionSyncConfigSchema = z.object(fields).openapi('connection_sync_config');

export const upsertConnectionSyncConfigSchema = z
  .object(fields)
  .superRefine((body, ctx) => {
    for (const key of ['standard_objects', 'custom_objects'] as const) {
      const seen = new Set<string>();
      body[key]?.forEach((o, i) => {
        if (seen.has(o.object)) ctx.addIssue({ code: 'custom', path: [key, i, 'object'], message: `duplicate object ${o.object}` });
        seen.add(o.object);
      });
    }
  })
  .openapi('upsert_connection_sync_config');

export type ConnectionSyncConfigInput = z.infer<typeof upsertConnectionSyncConfigSchema>;
