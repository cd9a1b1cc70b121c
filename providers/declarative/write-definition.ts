/**
 * The optional `write` section of a stream (how its records are created, updated and upserted)
 * and `read_one` (how one record is read by id). Templates are those of the read requests plus
 * `{record.FIELD}` (the record being written, `{record.$}` all of it) and the write's target:
 * `{target.id}` for an update or a read_one, `{target.match_field}` / `{target.match_value}` for
 * an upsert. Checked on publish with the rest of the definition, field by field.
 */
import { z } from 'zod';
import { jsonPathSchema as jsonPath } from './json-path';
import { refLabel, TemplateError, templateRefs, walkStrings, type VarNamespace, type VarRef } from './template';

/** One request per this many records at most: more makes a rejection or an unknown outcome cost too much. */
const MAX_WRITE_BATCH_SIZE = 1000;

const WRITE_METHODS = ['POST', 'PUT', 'PATCH'] as const;
const path = z.string().startsWith('/', { error: 'path must start with "/" (it is appended to base_url)' });

const requestFields = {
  path,
  headers: z.record(z.string(), z.string()).default({}),
  query: z.record(z.string(), z.string()).default({}),
  /** JSON template of one record's body; without it the record itself is sent. */
  body: z.record(z.string(), z.json()).optional(),
  /** Puts the body (with batch_size > 1 the array of bodies) under this key, e.g. "data" or "data.attributes". */
  body_path: jsonPath.optional(),
  /** Where the answer holds the record's id, e.g. "$.id"; default: the stream's primary_key in the written record. */
  id_path: jsonPath.optional(),
  /** Where the answer holds the record as written; default: the object holding the id_path (without id_path, the whole answer). */
  record_path: jsonPath.optional(),
  /** batch_size > 1: the array of per-record results in the answer, in request order (default "$"); id_path and record_path are read in each. */
  results_path: jsonPath.optional(),
};

const requestSpec = (method: (typeof WRITE_METHODS)[number]) => z.strictObject({ method: z.enum(WRITE_METHODS).default(method), ...requestFields });

const matchFieldsError = 'match_fields lists the fields the upsert can match on, e.g. ["email"]';

export const writeSchema = z.strictObject({
  create: requestSpec('POST').optional(),
  update: requestSpec('PATCH').optional(),
  upsert: z
    .strictObject({
      method: z.enum(WRITE_METHODS).default('PUT'),
      ...requestFields,
      match_fields: z.array(z.string().min(1, { error: 'must not be empty' }), { error: matchFieldsError }).min(1, { error: matchFieldsError }),
      /** Statuses meaning the upsert created the record (e.g. [201]); others mean it updated one. Without it the outcome just says "upsert". */
      created_statuses: z.array(z.number().int().min(200).max(299, { error: 'created_statuses are 2xx statuses' })).optional(),
    })
    .optional(),
  /** Records per request; above 1 they are sent as a JSON array and the answer is read as one. */
  batch_size: z
    .number()
    .int({ error: 'batch_size must be a whole number' })
    .min(1, { error: 'batch_size must be at least 1' })
    .max(MAX_WRITE_BATCH_SIZE, { error: `batch_size must be at most ${MAX_WRITE_BATCH_SIZE}` })
    .default(1),
  /** Where a 400/409/422 answer holds the API's message, field and code (default: common shapes such as "message" or "errors[0].message"). */
  error_message_path: jsonPath.optional(),
  error_field_path: jsonPath.optional(),
  error_code_path: jsonPath.optional(),
});

export const readOneSchema = z.strictObject({
  path,
  headers: z.record(z.string(), z.string()).default({}),
  query: z.record(z.string(), z.string()).default({}),
  /** Where the answer holds the record (default: the whole answer). */
  record_path: jsonPath.optional(),
});

export type WriteDefinition = z.output<typeof writeSchema>;
export type WriteOperationName = 'create' | 'update' | 'upsert';
export type WriteRequestDefinition = NonNullable<WriteDefinition[WriteOperationName]>;
export type ReadOneDefinition = z.output<typeof readOneSchema>;

type IssuePath = (string | number)[];
type Report = (path: IssuePath, message: string) => void;

const TARGETS: Record<WriteOperationName | 'read_one', readonly string[]> = {
  create: [],
  update: ['id'],
  upsert: ['match_field', 'match_value'],
  read_one: ['id'],
};

/** A template's references, each checked against what this request has; a broken template is reported and yields none. */
function checkRefs(
  text: string,
  at: IssuePath,
  report: Report,
  opts: { op: WriteOperationName | 'read_one'; allowed: VarNamespace[]; params: Set<string>; batchNote?: string },
): VarRef[] {
  let refs: VarRef[];
  try {
    refs = templateRefs(text);
  } catch (e) {
    report(at, e instanceof TemplateError ? e.message : String(e));
    return [];
  }
  for (const ref of refs) {
    const label = refLabel(ref);
    if (!opts.allowed.includes(ref.ns)) {
      report(at, `${label} is not available here${opts.batchNote ?? ''} (allowed: ${opts.allowed.map((n) => `{${n}.…}`).join(', ')})`);
    } else if (ref.ns === 'config' && !opts.params.has(ref.name)) {
      report(at, `${label} refers to undeclared parameter "${ref.name}" (declared: ${[...opts.params].join(', ') || 'none'})`);
    } else if (ref.ns === 'target' && !TARGETS[opts.op].includes(ref.name)) {
      const available = TARGETS[opts.op].map((n) => `{target.${n}}`).join(', ') || 'none';
      const where = opts.op === 'read_one' ? 'read_one' : opts.op === 'create' ? 'a create' : `an ${opts.op}`;
      report(at, `${label} is not available in ${where} (available: ${available})`);
    }
  }
  return refs;
}

/** Field-level checks of a stream's write section; `at` is the stream's path. */
export function checkWrite(write: WriteDefinition, at: IssuePath, params: Set<string>, primaryKey: string | undefined, report: Report): void {
  const ops = (['create', 'update', 'upsert'] as const).filter((op) => write[op] !== undefined);
  if (ops.length === 0) report([...at, 'write'], 'define at least one of create, update, upsert');
  const batch = write.batch_size > 1;
  for (const op of ops) {
    const spec = write[op]!;
    const here = (...rest: IssuePath) => [...at, 'write', op, ...rest];
    const perRecord: VarNamespace[] = ['config', 'record', 'target'];
    // One request carries many records: only the body is per record.
    const requestWide = batch ? { allowed: ['config'] as VarNamespace[], batchNote: ' with batch_size > 1, where one request carries many records' } : { allowed: perRecord };
    const refs: VarRef[] = [];
    refs.push(...checkRefs(spec.path, here('path'), report, { op, params, ...requestWide }));
    for (const [k, v] of Object.entries(spec.headers)) refs.push(...checkRefs(v, here('headers', k), report, { op, params, ...requestWide }));
    for (const [k, v] of Object.entries(spec.query)) refs.push(...checkRefs(v, here('query', k), report, { op, params, ...requestWide }));
    const bodyRefs: VarRef[] = [];
    if (spec.body) walkStrings(spec.body, [], (text, p) => bodyRefs.push(...checkRefs(text, here('body', ...p), report, { op, params, allowed: perRecord })));
    refs.push(...bodyRefs);
    const uses = (name: string) => refs.some((r) => r.ns === 'target' && r.name === name);

    if (op === 'update' && !uses('id')) {
      report(
        batch ? here('body') : here('path'),
        batch
          ? 'the update must carry the record id: put {target.id} in the body, e.g. {"id": "{target.id}"}'
          : 'the update must carry the record id: put {target.id} in the path, e.g. "/contacts/{target.id}"',
      );
    }
    if (op === 'upsert' && spec.body && !uses('match_value') && !uses('match_field')) {
      const fields = write.upsert!.match_fields;
      const sendsWhole = bodyRefs.some((r) => r.ns === 'record' && r.path?.length === 0);
      const sendsFields = fields.every((f) => bodyRefs.some((r) => r.ns === 'record' && r.name === f));
      if (!sendsWhole && !sendsFields) {
        report(here('body'), `the upsert does not send what it matches on: use {target.match_value} in the path or body, or send ${fields.map((f) => `{record.${f}}`).join(', ')}`);
      }
    }
    if (op !== 'update' && spec.id_path === undefined && primaryKey === undefined) {
      report(here('id_path'), `id_path is required because the stream has no primary_key: where the ${op} answer holds the record's id, e.g. "$.id"`);
    }
    if (spec.results_path !== undefined && !batch) report(here('results_path'), 'results_path is only read with batch_size > 1');
    if (op === 'upsert' && batch && write.upsert!.created_statuses) {
      report(here('created_statuses'), 'with batch_size > 1 one status answers for many records: it cannot say which were created');
    }
  }
}

export function checkReadOne(readOne: ReadOneDefinition, at: IssuePath, params: Set<string>, report: Report): void {
  const here = (...rest: IssuePath) => [...at, 'read_one', ...rest];
  const opts = { op: 'read_one' as const, params, allowed: ['config', 'target'] as VarNamespace[] };
  const refs = checkRefs(readOne.path, here('path'), report, opts);
  for (const [k, v] of Object.entries(readOne.headers)) checkRefs(v, here('headers', k), report, opts);
  for (const [k, v] of Object.entries(readOne.query)) refs.push(...checkRefs(v, here('query', k), report, opts));
  if (!refs.some((r) => r.ns === 'target' && r.name === 'id')) report(here('path'), 'read_one must carry the record id: put {target.id} in the path, e.g. "/contacts/{target.id}"');
}
