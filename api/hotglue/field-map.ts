/**
 * A linked connector's `field_map` is the connection's field mappings (services/catalog/field-mappings.ts):
 * `{ "<object>": { "<schema field>": "<provider field>" } }` for the objects that have a schema attached.
 */
import { InvalidInputError } from '../../lib/errors';
import { listFieldMappings, updateObjectFieldMapping } from '../../services/catalog/field-mappings';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { badField } from './errors';

type FieldMap = Record<string, Record<string, string>>;

/** The connection's mappings as a field_map: what each schema field is fed by (the schema's own, or the customer's). */
export async function readFieldMap(deps: AppDeps, applicationId: string, tenant: string, providerName: string): Promise<FieldMap> {
  const objects = await listFieldMappings(deps, applicationId, tenant, providerName);
  return Object.fromEntries(
    objects.map((o) => [
      o.object_name,
      Object.fromEntries(
        o.fields.flatMap((f) => {
          const mapped = f.customer_mapped_name ?? f.schema_mapped_name;
          return mapped ? [[f.name, mapped]] : [];
        }),
      ),
    ]),
  );
}

/** Sets the customer's mappings of each object given; `prefix` is where field_map is in the request body. */
export async function writeFieldMap(deps: AppDeps, applicationId: string, tenant: string, providerName: string, fieldMap: FieldMap, prefix = 'field_map'): Promise<void> {
  const objects = await listFieldMappings(deps, applicationId, tenant, providerName);
  for (const [object, fields] of Object.entries(fieldMap)) {
    const target = objects.find((o) => o.object_name === object);
    if (!target) {
      const mappable = objects.map((o) => o.object_name).join(', ') || 'none';
      throw badField(
        `${prefix}.${object}`,
        `${providerName} object ${object} has no schema attached, so it takes no field mappings (objects that do: ${mappable})`,
        'unknown_object',
      );
    }
    const entries = Object.entries(fields);
    try {
      await updateObjectFieldMapping(deps, applicationId, tenant, providerName, {
        type: target.object_type,
        name: object,
        field_mappings: entries.map(([schema_field, mapped_field]) => ({ schema_field, mapped_field })),
      });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      // field_mappings.<i>.<key> → field_map.<object>.<schema field>: where the caller wrote it.
      const fieldsOut = err.issues.map((i) => {
        const index = Number(/^field_mappings\.(\d+)\./.exec(i.path)?.[1]);
        const at = Number.isInteger(index) ? `.${entries[index]?.[0]}` : '';
        return { field: `${prefix}.${object}${at}`, message: i.message, code: i.code };
      });
      throw new ApiError(400, 'BAD_REQUEST_ERROR', 'Bad request', err.message, {
        fields: fieldsOut.length ? fieldsOut : [{ field: `${prefix}.${object}`, message: err.message, code: 'invalid_field_mapping' }],
      });
    }
  }
}
