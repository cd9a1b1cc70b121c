/**
 * Object field mappings (Supaglue "schemas"): the developer attaches a schema to a provider
 * object (providers.objects); customers map the schema's unmapped fields to their own provider
 * fields (connections.schema_mappings_config). resolveFieldMapping merges both for the engine.
 */
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import type { UpdateObjectFieldMappingInput } from './mapping-inputs';
import type { Db } from '../../db/connection';
import * as connectionsRepo from '../../db/repositories/connections';
import type { ConnectionWithCustomer } from '../../db/repositories/connections';
import * as repo from '../../db/repositories/field-mappings';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import type { ServiceDeps } from '../deps';
import { recordEvent } from '../webhooks/events';
import { isUuid } from '../../lib/ids';

export interface SchemaConfig {
  fields: Array<{ name: string; mapped_name?: string }>;
  allow_additional_field_mappings?: boolean;
}

/** One mapping entry: schema (or entity) field → provider field. */
export interface FieldMappingEntry {
  schema_field?: string;
  entity_field?: string;
  mapped_field?: string;
}

export interface MappingSet {
  field_mappings?: FieldMappingEntry[];
}

export type ObjectType = 'common' | 'standard';

interface ProviderObjects {
  common?: Array<{ name: string; schema_id?: string }>;
  standard?: Array<{ name: string; schema_id?: string }>;
}

interface SchemaMappingsConfig {
  common_objects?: Array<{ object: string; field_mappings: FieldMappingEntry[] }>;
  standard_objects?: Array<{ object: string; field_mappings: FieldMappingEntry[] }>;
}

const configKey = (type: ObjectType) => (type === 'common' ? 'common_objects' : 'standard_objects');
const fieldOf = (m: FieldMappingEntry) => m.schema_field ?? m.entity_field;

/**
 * Pure: which provider field feeds each schema field. Schema `mapped_name`s are fixed by the
 * developer; a provider-level (developer) mapping sets or overrides fields; the customer's
 * mapping fills fields the schema does not fix (and adds fields only when the schema allows
 * additional mappings). Fields nobody mapped are absent.
 */
export function resolveFieldMapping(schemaConfig: SchemaConfig, providerObjectMapping?: MappingSet | null, customerMapping?: MappingSet | null): Record<string, string> {
  const out: Record<string, string> = {};
  const known = new Set(schemaConfig.fields.map((f) => f.name));
  const fixed = new Set<string>();
  for (const f of schemaConfig.fields) {
    if (f.mapped_name) {
      out[f.name] = f.mapped_name;
      fixed.add(f.name);
    }
  }
  for (const m of providerObjectMapping?.field_mappings ?? []) {
    const field = fieldOf(m);
    if (field && m.mapped_field) out[field] = m.mapped_field;
  }
  for (const m of customerMapping?.field_mappings ?? []) {
    const field = fieldOf(m);
    if (!field || !m.mapped_field || fixed.has(field)) continue;
    if (!known.has(field) && !schemaConfig.allow_additional_field_mappings) continue;
    out[field] = m.mapped_field;
  }
  return out;
}

/** The merged view the API returns (merged_field_map[]). */
export function mergeFieldMap(schemaConfig: SchemaConfig, customerMappings: FieldMappingEntry[] = []) {
  const fields: Array<{ name: string; is_added_by_customer: boolean; schema_mapped_name?: string; customer_mapped_name?: string }> = schemaConfig.fields.map((f) => ({
    name: f.name,
    is_added_by_customer: false,
    ...(f.mapped_name ? { schema_mapped_name: f.mapped_name } : {}),
  }));
  for (const m of customerMappings) {
    const name = fieldOf(m);
    if (!name) continue;
    const field = fields.find((f) => f.name === name);
    if (field) {
      if (!field.schema_mapped_name && m.mapped_field) field.customer_mapped_name = m.mapped_field;
    } else if (schemaConfig.allow_additional_field_mappings) {
      fields.push({ name, is_added_by_customer: true, ...(m.mapped_field ? { customer_mapped_name: m.mapped_field } : {}) });
    }
  }
  return fields;
}

function asSchemaConfig(config: Record<string, unknown>): SchemaConfig {
  const fields = Array.isArray(config.fields) ? (config.fields as SchemaConfig['fields']) : [];
  return { fields, allow_additional_field_mappings: config.allow_additional_field_mappings === true };
}

async function providerObjectsOf(db: Db, connection: ConnectionWithCustomer): Promise<ProviderObjects> {
  const provider = await connectionsRepo.findProviderById(db, connection.application_id, connection.provider_id);
  return (provider?.objects ?? {}) as ProviderObjects;
}

async function schemasById(db: Db, applicationId: string, ids: string[]) {
  const rows = await repo.findSchemasByIds(db, applicationId, [...new Set(ids.filter(isUuid))]);
  return new Map(rows.map((r) => [r.id, asSchemaConfig(r.config)]));
}

export async function listFieldMappings(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const objects = await providerObjectsOf(deps.db, connection);
  const mappings = (connection.schema_mappings_config ?? {}) as SchemaMappingsConfig;
  const all = (['common', 'standard'] as const).flatMap((type) => (objects[type] ?? []).map((o) => ({ ...o, type })));
  const schemas = await schemasById(
    deps.db,
    applicationId,
    all.flatMap((o) => (o.schema_id ? [o.schema_id] : [])),
  );
  return all.flatMap((o) => {
    const schema = o.schema_id ? schemas.get(o.schema_id) : undefined;
    if (!schema || !o.schema_id) return [];
    const customer = mappings[configKey(o.type)]?.find((m) => m.object === o.name)?.field_mappings;
    return [
      {
        object_name: o.name,
        object_type: o.type,
        allow_additional_field_mappings: schema.allow_additional_field_mappings ?? false,
        schema_id: o.schema_id,
        fields: mergeFieldMap(schema, customer),
      },
    ];
  });
}

function validateObjectFieldMapping(schema: SchemaConfig, input: UpdateObjectFieldMappingInput): void {
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const seen = new Set<string>();
  // provider field → the schema field it feeds; the schema's own fixed mappings count too.
  const targets = new Map<string, string>(schema.fields.flatMap((f) => (f.mapped_name ? [[f.mapped_name, f.name] as [string, string]] : [])));
  for (const [i, m] of input.field_mappings.entries()) {
    const invalid = (key: 'schema_field' | 'mapped_field', message: string) =>
      new InvalidInputError(message, { issues: [{ path: `field_mappings.${i}.${key}`, message, code: 'invalid_field_mapping' }] });
    if (seen.has(m.schema_field)) throw invalid('schema_field', `Field ${m.schema_field} is mapped more than once`);
    seen.add(m.schema_field);
    const field = byName.get(m.schema_field);
    if (!field && !schema.allow_additional_field_mappings) {
      throw invalid('schema_field', `Field ${m.schema_field} is not in the schema of ${input.type} object ${input.name}`);
    }
    if (field?.mapped_name && m.mapped_field) {
      throw invalid('mapped_field', `Field ${m.schema_field} is already mapped to ${field.mapped_name} by the schema`);
    }
    if (m.mapped_field) {
      const other = targets.get(m.mapped_field);
      if (other !== undefined && other !== m.schema_field) {
        throw invalid('mapped_field', `Fields ${other} and ${m.schema_field} both map to provider field ${m.mapped_field}`);
      }
      targets.set(m.mapped_field, m.schema_field);
    }
  }
}

/** Sets the customer's field mappings of one object, with an object.field_mapping.created/updated event in the same transaction. */
export async function updateObjectFieldMapping(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string, input: UpdateObjectFieldMappingInput) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const objects = await providerObjectsOf(deps.db, connection);
  const object = objects[input.type]?.find((o) => o.name === input.name);
  const schemaId = object?.schema_id;
  const schema = schemaId ? (await schemasById(deps.db, applicationId, [schemaId])).get(schemaId) : undefined;
  if (!schemaId || !schema) {
    throw new InvalidInputError(`No schema is attached to ${input.type} object ${input.name} of ${providerName}; field mappings can only be set for objects with a schema`);
  }
  validateObjectFieldMapping(schema, input);
  const fieldMappings = input.field_mappings.map((m) => ({ schema_field: m.schema_field, ...(m.mapped_field ? { mapped_field: m.mapped_field } : {}) }));

  await deps.db.transaction().execute(async (trx) => {
    const row = await connectionsRepo.findConnectionByIdForUpdate(trx, applicationId, connection.id);
    if (!row) throw new NotFoundError('Connection');
    const config = { ...((row.schema_mappings_config ?? {}) as SchemaMappingsConfig) };
    const key = configKey(input.type);
    const existing = config[key] ?? [];
    const isNew = !existing.some((m) => m.object === input.name);
    config[key] = [...existing.filter((m) => m.object !== input.name), { object: input.name, field_mappings: fieldMappings }];
    await repo.setSchemaMappingsConfig(trx, applicationId, connection.id, config as Record<string, unknown>);
    await recordEvent(trx, applicationId, isNew ? 'object.field_mapping.created' : 'object.field_mapping.updated', {
      connection_id: connection.id,
      application_id: applicationId,
      customer_id: connection.external_customer_id,
      provider_name: connection.provider_name,
      object_name: input.name,
      object_type: input.type,
      schema_id: schemaId,
      result: 'SUCCESS',
    });
  });

  return {
    object_name: input.name,
    object_type: input.type,
    allow_additional_field_mappings: schema.allow_additional_field_mappings ?? false,
    schema_id: schemaId,
    fields: mergeFieldMap(schema, fieldMappings),
  };
}

/**
 * For the sync engine: the resolved field mapping of one object of a connection, or null when
 * no schema is attached (then every provider field passes through as is).
 */
export async function getObjectFieldMapping(
  deps: ServiceDeps,
  applicationId: string,
  connectionId: string,
  objectType: ObjectType,
  objectName: string,
): Promise<Record<string, string> | null> {
  const connection = isUuid(connectionId) ? await connectionsRepo.findConnectionById(deps.db, applicationId, connectionId) : undefined;
  if (!connection) throw new NotFoundError('Connection', `Connection ${connectionId} not found`);
  const schemaId = (await providerObjectsOf(deps.db, connection))[objectType]?.find((o) => o.name === objectName)?.schema_id;
  const schema = schemaId ? (await schemasById(deps.db, applicationId, [schemaId])).get(schemaId) : undefined;
  if (!schema) return null;
  const customer = ((connection.schema_mappings_config ?? {}) as SchemaMappingsConfig)[configKey(objectType)]?.find((m) => m.object === objectName);
  return resolveFieldMapping(schema, null, customer);
}
