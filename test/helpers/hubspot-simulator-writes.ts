/**
 * The write half of the HubSpot simulator, as HubSpot documents and answers it:
 * CRM v3 batch create (201, associations by HUBSPOT_DEFINED type), batch update (200, or 207
 * with an OBJECT_NOT_FOUND error listing the unknown ids while the others are written) and
 * batch upsert by a unique `idProperty` (`new` on each result); a batch with an unknown property
 * or a value that is not a number is refused whole (400 VALIDATION_ERROR, "Property values were
 * not valid: [...]"), as is a create of a contact whose email exists (409 CONFLICT "Contact
 * already exists. Existing ID: N"). Inputs' objectWriteTraceId is echoed on results. Also the
 * single record read (404 OBJECT_NOT_FOUND) and the v4 default association of a company.
 * Written records get HubSpot's ids and move updatedAt and the last-modified property, so the
 * list and search endpoints return them.
 */
import { randomUUID } from 'node:crypto';
import type { RecordedRequest, SimResponse } from './http-api-simulator';

/** A record as the simulator stores it (the writes create and change them). */
export interface HsRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  /** company id for contacts and deals */
  companyId?: string;
}

/** What the writes need of the simulator's store. */
export interface WriteStore {
  objects: Record<string, Map<string, HsRecord>>;
  /** Unique properties per object: what an upsert can match on. */
  uniqueProperties: Record<string, string[]>;
  objectKey(segment: string): string | undefined;
  propertiesOf(key: string): Array<{ name: string; type: string }> | undefined;
  shape(object: string, r: HsRecord, props: string[] | null, assoc: boolean): Record<string, unknown>;
  modProp(object: string): string;
  createProp(object: string): string;
}

type Input = { id?: string; idProperty?: string; properties?: Record<string, unknown>; objectWriteTraceId?: string; associations?: Association[] };
type Association = { to?: { id?: string }; types?: Array<{ associationCategory?: string; associationTypeId?: number }> };
type Detail = { isValid: false; message: string; error: string; name: string; localizedErrorMessage: string };

const COMPANY_ASSOCIATION_TYPES: Record<string, number> = { contacts: 279, deals: 341 };
const LABELS: Record<string, string> = { contacts: 'CONTACT', companies: 'COMPANY', deals: 'DEAL', tickets: 'TICKET', products: 'PRODUCT', line_items: 'LINE_ITEM' };
const READ_DEFAULTS = ['firstname', 'lastname', 'email', 'name', 'dealname'];

const error = (status: number, category: string, message: string, extra: Record<string, unknown> = {}): SimResponse => ({
  status,
  json: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
});

export function hubspotWriteRoute(store: WriteStore, req: RecordedRequest): SimResponse | undefined {
  let m = /^\/crm\/v3\/objects\/([\w-]+)\/batch\/(create|update|upsert)$/.exec(req.path);
  const object = m && store.objectKey(m[1]!);
  if (m && object && req.method === 'POST') {
    const inputs = ((req.json as { inputs?: Input[] } | undefined)?.inputs ?? []).map((i) => ({ ...i, properties: i.properties ?? {} }));
    const refused = validate(store, object, inputs);
    if (refused) return refused;
    if (m[2] === 'create') return create(store, object, inputs);
    if (m[2] === 'update') return update(store, object, inputs);
    return upsert(store, object, inputs);
  }

  m = /^\/crm\/v3\/objects\/([\w-]+)\/(\d+)$/.exec(req.path);
  const single = m && store.objectKey(m[1]!);
  if (m && single && req.method === 'GET') {
    const r = store.objects[single]!.get(m[2]!);
    if (!r || r.archived !== (req.query.archived === 'true'))
      return error(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [m[2]] } });
    return { json: store.shape(single, r, req.query.properties ? req.query.properties.split(',') : READ_DEFAULTS, req.query.associations === 'companies') };
  }

  m = /^\/crm\/v4\/objects\/(contacts|deals)\/(\d+)\/associations\/default\/companies\/(\d+)$/.exec(req.path);
  if (m && req.method === 'PUT') {
    const r = store.objects[m[1]!]!.get(m[2]!);
    if (!r || r.archived || !store.objects.companies!.has(m[3]!)) return error(404, 'OBJECT_NOT_FOUND', `No ${r ? 'COMPANY' : LABELS[m[1]!]} with id ${r ? m[3] : m[2]} exists`);
    r.companyId = m[3]!;
    return {
      json: {
        status: 'COMPLETE',
        results: [{ from: { id: m[2] }, to: { id: m[3] }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: COMPANY_ASSOCIATION_TYPES[m[1]!] } }],
        startedAt: new Date().toISOString(),
        completedAt: new Date().toISOString(),
      },
    };
  }
  return undefined;
}

/** Every property exists and numbers are numbers, for every input: else the whole batch is refused. */
function validate(store: WriteStore, object: string, inputs: Input[]): SimResponse | undefined {
  const defs = store.propertiesOf(object) ?? [];
  const details: Detail[] = [];
  const detail = (name: string, error: string, message: string) => details.push({ isValid: false, message, error, name, localizedErrorMessage: message });
  for (const input of inputs) {
    for (const [name, value] of Object.entries(input.properties!)) {
      const def = defs.find((d) => d.name === name);
      if (!def) detail(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      else if (def.type === 'number' && value !== '' && value !== null && !Number.isFinite(Number(value)))
        detail(name, 'INVALID_FLOAT', `${String(value)} was not a valid number.`);
    }
    if (input.idProperty && !store.uniqueProperties[object]?.includes(input.idProperty))
      detail(input.idProperty, 'INVALID_ID_PROPERTY', `Property "${input.idProperty}" is not a unique property and cannot be used as idProperty`);
  }
  if (details.length === 0) return undefined;
  // Batch endpoints answer flat (status, message, correlationId, category): the details are JSON in the message.
  return error(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(details)}`);
}

const stored = (props: Record<string, unknown>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v === null ? null : String(v)]));
/** HubSpot compares unique values (emails) regardless of case. */
const sameValue = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
const trace = (input: Input) => (input.objectWriteTraceId !== undefined ? { objectWriteTraceId: input.objectWriteTraceId } : {});

function findBy(store: WriteStore, object: string, property: string, value: unknown): HsRecord | undefined {
  return [...store.objects[object]!.values()].find((r) => !r.archived && sameValue(r.properties[property], String(value)));
}

function nextId(store: WriteStore, object: string): string {
  const ids = [...store.objects[object]!.keys()].map(Number).filter(Number.isFinite);
  return String(Math.max(1000, ...ids) + 1);
}

function insert(store: WriteStore, object: string, input: Input): HsRecord {
  const now = new Date().toISOString();
  const id = nextId(store, object);
  const company = input.associations?.find((a) => a.types?.some((t) => t.associationCategory === 'HUBSPOT_DEFINED' && t.associationTypeId === COMPANY_ASSOCIATION_TYPES[object]));
  const r: HsRecord = {
    id,
    properties: { ...stored(input.properties!), [store.createProp(object)]: now, [store.modProp(object)]: now },
    createdAt: now,
    updatedAt: now,
    archived: false,
    ...(company?.to?.id ? { companyId: String(company.to.id) } : {}),
  };
  store.objects[object]!.set(id, r);
  return r;
}

function change(store: WriteStore, object: string, r: HsRecord, properties: Record<string, unknown>): HsRecord {
  const now = new Date().toISOString();
  r.properties = { ...r.properties, ...stored(properties), [store.modProp(object)]: now };
  r.updatedAt = now;
  return r;
}

function create(store: WriteStore, object: string, inputs: Input[]): SimResponse {
  if (object === 'contacts') {
    for (const input of inputs) {
      const existing = input.properties!.email ? findBy(store, object, 'email', input.properties!.email) : undefined;
      if (existing) return error(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
    }
  }
  const startedAt = new Date().toISOString();
  const results = inputs.map((input) => ({ ...store.shape(object, insert(store, object, input), null, false), ...trace(input) }));
  return { status: 201, json: { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() } };
}

function update(store: WriteStore, object: string, inputs: Input[]): SimResponse {
  const startedAt = new Date().toISOString();
  const missing: string[] = [];
  const results = inputs.flatMap((input) => {
    const r = store.objects[object]!.get(String(input.id));
    if (!r || r.archived) {
      missing.push(String(input.id));
      return [];
    }
    return [{ ...store.shape(object, change(store, object, r, input.properties!), null, false), ...trace(input) }];
  });
  const body = { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() };
  if (missing.length === 0) return { json: body };
  const message = `Could not get some ${LABELS[object] ?? object.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`;
  return { status: 207, json: { ...body, numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message, context: { ids: missing } }] } };
}

function upsert(store: WriteStore, object: string, inputs: Input[]): SimResponse {
  const startedAt = new Date().toISOString();
  const results = inputs.map((input) => {
    const existing = findBy(store, object, input.idProperty!, input.id);
    const r = existing
      ? change(store, object, existing, input.properties!)
      : insert(store, object, { ...input, properties: { ...input.properties, [input.idProperty!]: input.id } });
    return { ...store.shape(object, r, null, false), new: !existing, ...trace(input) };
  });
  return { json: { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() } };
}
