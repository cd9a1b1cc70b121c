/**
 * Infers a JSON Schema from sample records (the Connector Builder's "infer
 * schema" tool). Types are merged across samples; a field missing from or null
 * in any sample becomes nullable; strings that are all ISO timestamps get
 * format date-time (or date).
 */
export interface JSONSchema {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JSONSchema>;
  items?: JSONSchema;
  anyOf?: JSONSchema[];
  [keyword: string]: unknown;
}

type Primitive = 'string' | 'integer' | 'number' | 'boolean';

interface Shape {
  seen: number;
  nulls: number;
  primitives: Set<Primitive>;
  strings: { dateTime: boolean; date: boolean; count: number };
  object?: { count: number; props: Map<string, Shape> };
  array?: { items: Shape };
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const newShape = (): Shape => ({ seen: 0, nulls: 0, primitives: new Set(), strings: { dateTime: true, date: true, count: 0 } });

function observe(shape: Shape, value: unknown): void {
  shape.seen++;
  if (value === null || value === undefined) {
    shape.nulls++;
  } else if (typeof value === 'string') {
    shape.primitives.add('string');
    shape.strings.count++;
    if (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value.replace(' ', 'T')))) shape.strings.dateTime = false;
    if (!DATE.test(value)) shape.strings.date = false;
  } else if (typeof value === 'number') {
    shape.primitives.add(Number.isInteger(value) ? 'integer' : 'number');
  } else if (typeof value === 'boolean') {
    shape.primitives.add('boolean');
  } else if (Array.isArray(value)) {
    shape.array ??= { items: newShape() };
    for (const item of value) observe(shape.array.items, item);
  } else if (typeof value === 'object') {
    shape.object ??= { count: 0, props: new Map() };
    shape.object.count++;
    for (const [k, v] of Object.entries(value)) {
      let prop = shape.object.props.get(k);
      if (!prop) {
        prop = newShape();
        shape.object.props.set(k, prop);
      }
      observe(prop, v);
    }
  }
}

function emit(shape: Shape, nullable: boolean): JSONSchema {
  const variants: JSONSchema[] = [];
  const prims = new Set(shape.primitives);
  // Integers and decimals in one field are just numbers.
  if (prims.has('number')) prims.delete('integer');
  const primTypes = (['string', 'integer', 'number', 'boolean'] as const).filter((t) => prims.has(t));
  let format: string | undefined;
  if (prims.has('string') && shape.strings.count > 0) {
    if (shape.strings.date) format = 'date';
    else if (shape.strings.dateTime) format = 'date-time';
  }
  if (shape.object) {
    const properties: Record<string, JSONSchema> = {};
    for (const [k, prop] of shape.object.props) properties[k] = emit(prop, prop.nulls > 0 || prop.seen < shape.object.count);
    variants.push({ type: 'object', properties });
  }
  if (shape.array) {
    const items = shape.array.items;
    variants.push({ type: 'array', items: items.seen === 0 ? {} : emit(items, items.nulls > 0) });
  }
  const isNullable = nullable || shape.nulls > 0;

  if (variants.length === 0) {
    // Only primitives (or only nulls): a plain type list such as ["string", "null"].
    const types: string[] = [...primTypes];
    if (isNullable || types.length === 0) types.push('null');
    const schema: JSONSchema = { type: types.length === 1 ? types[0] : types };
    if (format) schema.format = format;
    return schema;
  }
  if (variants.length === 1 && primTypes.length === 0) {
    const only = variants[0]!;
    if (isNullable) only.type = [only.type as string, 'null'];
    return only;
  }
  // Mixed structured and scalar values: anyOf keeps each branch's own keywords.
  for (const t of primTypes) variants.push(t === 'string' && format ? { type: t, format } : { type: t });
  if (isNullable) variants.push({ type: 'null' });
  return { anyOf: variants };
}

export function inferSchema(records: unknown[]): JSONSchema {
  if (!Array.isArray(records)) throw new TypeError('inferSchema expects an array of sample records');
  const root = newShape();
  for (const [i, r] of records.entries()) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`sample record ${i} is not a JSON object`);
    observe(root, r);
  }
  if (!root.object) return { type: 'object', properties: {} };
  return emit(root, false);
}
