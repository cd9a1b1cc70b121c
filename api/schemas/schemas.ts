import { z } from '@hono/zod-openapi';
import { noNulChars } from '../../lib/nul-chars';

/** Adds an issue at `fields.<i>.name` for every repeated field name. */
export function uniqueFieldNames(config: { fields: Array<{ name: string }> }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  config.fields.forEach((f, i) => {
    if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `duplicate field name "${f.name}"` });
    seen.add(f.name);
  });
}

export const schemaConfigSchema = z
  .object({
    fields: z
      .array(
        z.object({
          name: z.string().min(1).max(255).openapi({ description: 'Your application field name.' }),
          mapped_name: z
            .string()
            .min(1)
            .max(255)
            .optional()
            .openapi({ description: 'The field your customer maps. This is a Provider-specified field name. E.g. FirstName for Salesforce.' }),
        }),
      )
      .max(1000),
    allow_additional_field_mappings: z.boolean().openapi({ description: 'Specifies whether your customer can add new application field names.' }),
  })
  .superRefine(uniqueFieldNames)
  .openapi('schema_config', { description: 'Field names must be unique within a schema.' });

export const createUpdateSchemaSchema = z
  .object({ name: z.string().min(1).max(255), config: schemaConfigSchema })
  .superRefine(noNulChars)
  .openapi('create_update_schema');

export const schemaSchema = z.object({ id: z.string(), application_id: z.string(), name: z.string(), config: schemaConfigSchema }).openapi('schema');

export const schemaIdParam = z.object({
  schema_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'schema_id', in: 'path' }, example: 'a821d59d-8b4c-4ad9-aeec-1292d2e28701' }),
});
