import { z } from '@hono/zod-openapi';

export const mergedFieldMapSchema = z
  .object({
    name: z.string().openapi({ description: 'The name of the field as set in the schema' }),
    is_added_by_customer: z.boolean(),
    schema_mapped_name: z.string().optional(),
    customer_mapped_name: z.string().optional(),
  })
  .openapi('merged_field_map');

export const objectFieldMappingsSchema = z
  .object({
    object_name: z.string(),
    object_type: z.enum(['common', 'standard']),
    allow_additional_field_mappings: z.boolean(),
    schema_id: z.string(),
    fields: z.array(mergedFieldMapSchema),
  })
  .openapi('object_field_mappings');
