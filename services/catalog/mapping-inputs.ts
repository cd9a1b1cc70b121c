/**
 * What a customer's mappings take: a connection's entity mapping and an object's field mapping.
 * `id` in `.meta()` names the schema in the API reference.
 */
import { z } from 'zod';

export const standardOrCustomObjectSchema = z.object({ type: z.enum(['standard', 'custom']), name: z.string().min(1) }).meta({ id: 'standard_or_custom_object' });

const entityFieldMappingSchema = z
  .object({
    entity_field: z.string().min(1).meta({ description: 'The name of the field in your application.', example: 'apolla_first_name' }),
    mapped_field: z.string().min(1).meta({ description: "The name of the field in your customer's third-party Provider tool", example: 'FirstName' }),
  })
  .meta({ id: 'entity_field_mapping' });

export const connectionEntityMappingSchema = z
  .object({
    entity_id: z.string().min(1),
    object: standardOrCustomObjectSchema.optional(),
    field_mappings: z.array(entityFieldMappingSchema).optional(),
  })
  .meta({ id: 'connection_entity_mapping' });

export type ConnectionEntityMappingInput = z.infer<typeof connectionEntityMappingSchema>;

export const objectFieldMappingSchema = z
  .object({
    schema_field: z.string().min(1).meta({ example: 'apolla_first_name' }),
    mapped_field: z.string().min(1).optional().meta({ example: 'FirstName' }),
  })
  .meta({ id: 'object_field_mapping' });

export const updateObjectFieldMappingSchema = z
  .object({
    name: z.string().min(1).meta({ example: 'contact' }),
    type: z.enum(['common', 'standard']),
    field_mappings: z.array(objectFieldMappingSchema),
  })
  .meta({ id: 'update_object_field_mapping' });

export type UpdateObjectFieldMappingInput = z.infer<typeof updateObjectFieldMappingSchema>;
