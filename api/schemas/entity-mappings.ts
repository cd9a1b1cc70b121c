import { z } from '@hono/zod-openapi';
import { standardOrCustomObjectSchema } from '../../services/catalog/mapping-inputs';
import { withOpenApi } from './common';

const from = z.enum(['developer', 'customer']);

export const mergedEntityMappingSchema = z
  .object({
    entity_id: z.string(),
    entity_name: z.string(),
    allow_additional_field_mappings: z.boolean(),
    // Named through .openapi() so that the extension is an allOf of the named schema.
    object: withOpenApi(standardOrCustomObjectSchema).openapi('standard_or_custom_object').extend({ from }).optional(),
    field_mappings: z.array(z.object({ entity_field: z.string(), mapped_field: z.string().optional(), from: from.optional(), is_additional: z.boolean() })),
  })
  .openapi('merged_entity_mapping');

export const entityIdParam = z.object({
  entity_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'entity_id', in: 'path' }, example: '0258cbc6-6020-430a-848e-aafacbadf4ae' }),
});
