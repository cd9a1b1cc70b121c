/**
 * Pipedrive writes (API v1), one record per request: Pipedrive has no batch write. Creates are
 * `POST /{object}` (sent at most once: a create whose answer is lost may have been carried out),
 * updates `PUT /{object}/{id}`. An upsert matches on `id`, or on a field Pipedrive searches exactly
 * (`GET /{object}/search?exact_match=true`): one match is updated, none created, several refused.
 * Pipedrive refuses a record with `{ success: false, error }` and 400 (validation), 404 (unknown
 * id) or 410 (deleted): that is the record's rejection, carrying Pipedrive's message and status.
 */
import { commonFieldOf, commonMatch, contactNeedsStoredName, PIPEDRIVE_WRITABLE_COMMON, pipedriveWriteFields, type PipedriveWritableCommon } from '../common-model/pipedrive-write';
import type { CommonObject } from '../common-model/model';
import { str } from '../common-model/helpers';
import { ProviderError, WriteOutcomeUnknownError, UnsupportedWriteError } from '../errors';
import type { ObjectType, SourceRecord, WaitInfo, WriteOutcome, WriteRecord, WriteRejection, WriteRequest } from '../types';
import { COMMON_TO_OBJECT, toRecord } from './records';

export type PipedriveMethod = 'GET' | 'POST' | 'PUT';

/** The connection's authenticated access to the API (index.ts). */
export interface PipedriveApi {
  /** `body` is the parsed JSON answer, null when it is not JSON (only for a passed status). */
  call(
    method: PipedriveMethod,
    path: string,
    opts: {
      query?: Record<string, string>;
      json?: unknown;
      idempotent?: boolean;
      passStatuses?: readonly number[];
      signal?: AbortSignal;
      onWait?: (info: WaitInfo) => void;
    },
  ): Promise<{ status: number; body: any }>;
  redact(text: string): string;
}

/** The statuses with which Pipedrive refuses one record rather than the request. */
const REJECTED = [400, 404, 410, 422] as const;

/** Writable objects, the item's name in Pipedrive's messages, and the fields its search matches exactly. */
const WRITABLE: Record<string, { label: string; search: readonly string[] }> = {
  persons: { label: 'person', search: ['email', 'name', 'phone'] },
  organizations: { label: 'organization', search: ['name'] },
  deals: { label: 'deal', search: ['title'] },
  activities: { label: 'activity', search: [] },
};

interface Target {
  object: string;
  common?: PipedriveWritableCommon;
}

function targetOf(req: { object: string; objectType: ObjectType }): Target {
  if (req.objectType === 'common') {
    const common = req.object as PipedriveWritableCommon;
    if (!PIPEDRIVE_WRITABLE_COMMON.includes(common))
      throw new UnsupportedWriteError('object', `Pipedrive writes the common objects contact, account and opportunity, not "${req.object}"`);
    return { object: COMMON_TO_OBJECT[common], common };
  }
  if (!WRITABLE[req.object]) throw new UnsupportedWriteError('object', `Pipedrive writes ${Object.keys(WRITABLE).join(', ')}, not "${req.object}"`);
  return { object: req.object };
}

/** The Pipedrive field a search matches the upsert on; refused before any request when Pipedrive cannot search it. */
function matchOf(t: Target, matchField: string | undefined, record: Record<string, unknown>): { field: string; term: string | undefined } {
  if (!matchField) throw new UnsupportedWriteError('match.field', 'A Pipedrive upsert needs a match field');
  if (matchField === 'id') return { field: 'id', term: str(record.id) ?? undefined };
  const match = t.common
    ? commonMatch(t.common, matchField, record)
    : WRITABLE[t.object]!.search.includes(matchField)
      ? { field: matchField, term: termOf(record[matchField]) }
      : undefined;
  if (!match) {
    const can = t.common ? { contact: 'email', account: 'name', opportunity: 'name' }[t.common] : WRITABLE[t.object]!.search.join(', ');
    throw new UnsupportedWriteError('match.field', `Pipedrive cannot match ${t.common ?? t.object} on "${matchField}" (it can on id${can ? `, ${can}` : ''})`);
  }
  return match;
}

/** A standard record's email / phone may be a string or Pipedrive's list of { value, primary }. */
function termOf(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    const items = v.map((x): Record<string, unknown> => (x && typeof x === 'object' ? x : { value: x }));
    return termOf((items.find((x) => x.primary === true) ?? items[0])?.value);
  }
  return str(v) ?? undefined;
}

export async function pipedriveWrite(api: PipedriveApi, req: WriteRequest): Promise<WriteOutcome[]> {
  const t = targetOf(req);
  if (req.records.length > 1) throw new ProviderError('configuration', `Pipedrive writes one record per request (writeBatchSize 1), not ${req.records.length}`);
  if (req.operation === 'upsert') matchOf(t, req.matchField, req.records[0]?.record ?? {});
  const outcomes: WriteOutcome[] = [];
  for (const r of req.records) outcomes.push(await writeOne(api, t, req, r));
  return outcomes;
}

async function writeOne(api: PipedriveApi, t: Target, req: WriteRequest, r: WriteRecord): Promise<WriteOutcome> {
  if (req.operation === 'create') return send(api, t, req, 'create', undefined, r.record);
  const match = req.operation === 'upsert' ? matchOf(t, req.matchField, r.record) : { field: 'id', term: undefined };
  if (match.field === 'id') {
    const id = match.term ?? r.id ?? str(r.record.id);
    if (!id) return refused({ message: `An ${req.operation} by id needs the id of the record`, field: 'id', status: 400 });
    return send(api, t, req, 'update', id, r.record);
  }
  if (!match.term) return refused({ message: `The record has no ${req.matchField} to match on`, field: req.matchField, status: 400 });
  const query = { term: match.term, fields: match.field, exact_match: 'true', start: '0', limit: '2' };
  const res = await api.call('GET', `/${t.object}/search`, { query, signal: req.signal, onWait: req.onWait });
  const items: Array<{ item?: { id?: unknown } }> = Array.isArray(res.body?.data?.items) ? res.body.data.items : [];
  if (items.length === 0) return send(api, t, req, 'create', undefined, r.record);
  if (items.length > 1) {
    const label = WRITABLE[t.object]!.label;
    return refused({
      message: `More than one ${label} has ${match.field} "${match.term}": an upsert needs a single match`,
      field: req.matchField,
      code: 'multiple_matches',
      status: 409,
    });
  }
  return send(api, t, req, 'update', String(items[0]!.item?.id), r.record);
}

async function send(
  api: PipedriveApi,
  t: Target,
  req: WriteRequest,
  operation: 'create' | 'update',
  id: string | undefined,
  record: Record<string, unknown>,
): Promise<WriteOutcome> {
  const opts = { signal: req.signal, onWait: req.onWait, passStatuses: REJECTED };
  let fields: Record<string, unknown>;
  if (t.common) {
    const stored = id && t.common === 'contact' && contactNeedsStoredName(record) ? await getItem(api, t.object, id, req.signal) : undefined;
    const mapped = pipedriveWriteFields(t.common, record, stored?.raw);
    if (!mapped.ok) return refused(mapped.error);
    fields = mapped.fields;
  } else {
    const { id: _id, ...rest } = record;
    fields = rest;
  }
  const res =
    operation === 'create'
      ? await api.call('POST', `/${t.object}`, { json: fields, idempotent: false, ...opts })
      : await api.call('PUT', `/${t.object}/${encodeURIComponent(id!)}`, { json: fields, ...opts });
  if (res.status >= 400 || res.body?.success === false) return refused(rejectionOf(api, t, res));
  const data = res.body?.data;
  if (data?.id === undefined || data.id === null) {
    const what = `Pipedrive ${operation === 'create' ? 'POST' : 'PUT'} /${t.object}`;
    throw new WriteOutcomeUnknownError(`${what} answered HTTP ${res.status} without the record's id`, { status: res.status });
  }
  return { ok: true, id: String(data.id), operation, ...(req.returnRecords ? { record: toRecord(data, t.common) } : {}) };
}

const refused = (error: WriteRejection): WriteOutcome => ({ ok: false, error });

function rejectionOf(api: PipedriveApi, t: Target, res: { status: number; body: any }): WriteRejection {
  const error = typeof res.body?.error === 'string' && res.body.error !== '' ? api.redact(res.body.error) : `Pipedrive answered HTTP ${res.status}`;
  const field = fieldOfMessage(error, t.object);
  const code = res.body?.errorCode ?? res.body?.error_code;
  return {
    message: error,
    status: res.status,
    ...(field ? { field: t.common ? commonFieldOf(t.common, field) : field } : {}),
    ...(code !== undefined && code !== null ? { code: String(code) } : {}),
  };
}

/** The Pipedrive field a message's subject names ("Name must be given.", "Organization not found."). */
const LABEL_FIELD: Record<string, string> = {
  name: 'name',
  title: 'title',
  subject: 'subject',
  email: 'email',
  phone: 'phone',
  value: 'value',
  currency: 'currency',
  'due date': 'due_date',
  'expected close date': 'expected_close_date',
  stage: 'stage_id',
  pipeline: 'pipeline_id',
  organization: 'org_id',
  person: 'person_id',
  deal: 'deal_id',
  owner: 'owner_id',
  user: 'user_id',
  type: 'type',
  status: 'status',
};

/**
 * Pipedrive's error names no field, but its validation messages begin with the field's label:
 * "<Label> must be given", "<Label> is required / is invalid / is not valid", "Invalid <label>",
 * "<Label> not found" (a referenced item). The label of the written object itself ("Person not
 * found" for an update of an unknown id) names the record, not a field.
 */
export function fieldOfMessage(message: string, object: string): string | undefined {
  const m = /^(?:the )?([a-z][a-z ]*?) (?:must be given|is required|is invalid|is not valid|not found)\b/i.exec(message) ?? /^invalid ([a-z][a-z ]*?)\b[.:]?$/i.exec(message);
  const label = m?.[1]?.toLowerCase();
  if (!label || label === WRITABLE[object]?.label) return undefined;
  if (label === 'owner' && object === 'deals') return 'user_id';
  return LABEL_FIELD[label];
}

async function getItem(api: PipedriveApi, object: string, id: string, signal: AbortSignal | undefined, common?: CommonObject): Promise<SourceRecord | null> {
  const res = await api.call('GET', `/${object}/${encodeURIComponent(id)}`, { passStatuses: [404, 410], signal });
  const data = res.status < 400 ? res.body?.data : null;
  return data && typeof data === 'object' ? toRecord(data, common) : null;
}

/** One record, read live: null for an unknown id, or one deleted for good (404 / 410). */
export function pipedriveReadRecord(api: PipedriveApi, req: { object: string; objectType: ObjectType; id: string; signal?: AbortSignal }): Promise<SourceRecord | null> {
  const common = req.objectType === 'common' ? (req.object as CommonObject) : undefined;
  if (common && !COMMON_TO_OBJECT[common]) throw new ProviderError('configuration', `Pipedrive has no common object "${req.object}"`);
  const object = common ? COMMON_TO_OBJECT[common] : req.object;
  if (!/^[a-zA-Z]+$/.test(object)) throw new ProviderError('configuration', `"${object}" is not a Pipedrive object`);
  return getItem(api, object, req.id, req.signal, common);
}
