/**
 * Connectors API (Syncwell extension): declarative connector definitions published
 * per application. The body is validated by the Connector Builder's own schema in
 * the service (parseConnectorDefinition), so the route schema stays permissive and
 * every problem comes back as a field-level 400 (`meta.fields`).
 */
import { z } from '@hono/zod-openapi';
import { noNulChars } from '../../lib/nul-chars';

const EXT = { 'x-extension': true } as Record<string, unknown>;

export const connectorDefinitionBodySchema = z
  .record(z.string(), z.unknown())
  .superRefine(noNulChars)
  .openapi('connector_definition', {
    description:
      'Syncwell extension: a Connector Builder definition (id, name, base_url, auth, parameters, streams with pagination, incremental, parent_stream/child_context, schema). ' +
      '`id` may be omitted in PUT /connectors/{id}; when present it must equal the path id. Parameters with `secret: true` are encrypted at rest in connections.',
    example: {
      id: 'acme-crm',
      name: 'Acme CRM',
      base_url: 'https://api.acme.example/v1',
      auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
      parameters: [{ name: 'api_key', required: true, secret: true }],
      streams: [
        {
          id: 'contacts',
          path: '/contacts',
          primary_key: 'id',
          records_selector: '$.data',
          pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 100 },
        },
      ],
    },
    ...EXT,
  });

export const connectorSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    name: z.string(),
    category: z.enum(['crm', 'engagement', 'no_category']),
    definition: z.record(z.string(), z.unknown()).openapi({ description: 'The validated definition, defaults filled in.' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('connector', { description: 'Syncwell extension: a published declarative connector.', ...EXT });

export const connectorIdParam = z.object({
  connector_id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'connector_id', in: 'path' }, example: 'acme-crm' }),
});

export const inferSchemaBodySchema = z
  .object({
    records: z
      .array(z.record(z.string(), z.unknown()), { error: 'records must be an array of JSON objects' })
      .min(1, { error: 'give at least one sample record' })
      .max(10_000, { error: 'at most 10000 sample records' }),
  })
  .openapi('infer_schema_request', { description: 'Syncwell extension: sample records (e.g. one page of an API response).', ...EXT });

export const jsonSchemaSchema = z.record(z.string(), z.unknown()).openapi('inferred_json_schema', {
  description: 'Syncwell extension: a JSON Schema (draft 2020-12 subset: type, properties, items, anyOf, format) usable as a stream `schema`.',
  example: { type: 'object', properties: { id: { type: 'string' }, updated_at: { type: 'string', format: 'date-time' }, score: { type: ['number', 'null'] } } },
  ...EXT,
});

export const discoverParams = z.object({
  customer_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'customer_id', in: 'path' } }),
  provider_name: z
    .string()
    .min(1)
    .openapi({ param: { name: 'provider_name', in: 'path' } }),
});

const discoveredField = z.object({
  name: z.string(),
  type: z.string().openapi({ description: 'JSON type: string, integer, number, boolean, object, array (or unknown).' }),
  nullable: z.boolean().optional(),
  format: z.string().optional().openapi({ description: 'e.g. date-time, date' }),
});

export const discoverResponseSchema = z
  .object({
    objects: z.array(
      z.object({
        name: z.string(),
        object_type: z.enum(['common', 'standard', 'custom']),
        label: z.string().optional(),
        supports_incremental: z.boolean(),
        fields: z.array(discoveredField),
      }),
    ),
  })
  .openapi('discover_result', { description: 'Syncwell extension: the objects a connection can sync and their fields.', ...EXT });
