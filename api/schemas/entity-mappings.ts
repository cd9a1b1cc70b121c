import { z } from '@hono/zod-openapi';

export const standardOrCustomObjectSchema = z
  .object({ type: z.enum(['standard', 'custom']), name: z.string().min(1) })
  .openapi('standard_or_custom_object');

export const entityFieldMappingSchema = z
  .object({
    entity_field: z.string().min(1).openapi({ description: 'The name of the field in your application.', example: 'apolla_first_name' }),
    mapped_field: z.string().min(1).openapi({ description: "The name of the field in your customer's third-party Provider tool", example: 'FirstName' }),
  })
  .openapi('entity_field_mapping');

export const connectionEntityMappingSchema = z
  .object({
    entity_id: z.string().min(1),
    object: standardOrCustomObjectSchema.optional(),
    field_mappings: z.array(entityFieldMappingSchema).optional(),
  })
  .openapi('connection_entity_mapping');

export type ConnectionEntityMappingInput = z.infer<typeof connectionEntityMappingSchema>;

const from = z.enum(['developer', 'customer']);

export const mergedEntityMappingSchema = z
  .object({
    entity_id: z.string(),
    entity_name: z.string(),
    allow_additional_field_mappings: z.boolean(),
    object: standardOrCustomObjectSchema.extend({ from }).optional(),
    field_mappings: z.array(
      z.object({ entity_field: z.string(), mapped_field: z.string().optional(), from: from.optional(), is_additional: z.boolean() }),
    ),
  })
  .openapi('merged_entity_mapping');

export const entityIdParam = z.object({
  entity_id: z.string().min(1).openapi({ param: { name: 'entity_id', in: 'path' }, example: '0258cbc6-6020-430a-848e-aafacbadf4ae' }),
});
