/** Flattens a stream's JSON Schema into the ObjectField list shown in catalogs. */
import type { ObjectField } from '../types';

type Schema = Record<string, unknown>;

function typesOf(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(alternatives)) return alternatives.flatMap((a) => (a && typeof a === 'object' ? typesOf(a) : []));
  return [];
}

export function schemaFields(schema: Schema): ObjectField[] {
  const props = schema.properties;
  if (!props || typeof props !== 'object') return [];
  return Object.entries(props as Record<string, Schema>).map(([name, prop]) => {
    const types = prop && typeof prop === 'object' ? typesOf(prop) : [];
    const nonNull = types.filter((t) => t !== 'null');
    const field: ObjectField = { name, type: nonNull[0] ?? 'unknown', nullable: types.includes('null') || nonNull.length === 0 };
    const format = prop?.format ?? (prop?.anyOf as Schema[] | undefined)?.find((a) => a?.format)?.format;
    if (typeof format === 'string') field.format = format;
    return field;
  });
}
