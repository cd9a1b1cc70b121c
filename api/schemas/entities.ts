import { z } from '@hono/zod-openapi';
import { noNulChars } from '../../lib/nul-chars';
import { uniqueFieldNames } from './schemas';

export const entityConfigSchema = z
  .object({
    fields: z.array(z.object({ name: z.string().min(1).max(255) })).max(1000),
    allow_additional_field_mappings: z.boolean(),
  })
  .superRefine(uniqueFieldNames)
  .openapi('entity_config', { description: 'Field names must be unique within an entity.' });

export const createUpdateEntitySchema = z
  .object({ name: z.string().min(1).max(255), config: entityConfigSchema })
  .superRefine(noNulChars)
  .openapi('create_update_entity');

export const entitySchema = z.object({ id: z.string(), application_id: z.string(), name: z.string(), config: entityConfigSchema }).openapi('entity');

export const entityIdParam = z.object({
  entity_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'entity_id', in: 'path' } }),
});
