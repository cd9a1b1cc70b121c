/**
 * Salesforce writes through sObject Collections (up to 200 records a request, allOrNone false so
 * one bad record does not sink the others): create `POST composite/sobjects`, update `PATCH
 * composite/sobjects`, upsert by external id `PATCH composite/sobjects/{type}/{field}`. Common
 * contacts and leads upsert by email, which is no external id: found by SOQL first, then
 * created or updated. Creates are never resent after a maybe-processed failure.
 *
 * Whole-request 400s: an unknown object (INVALID_TYPE) or external id field is a configuration
 * error; an unknown column (INVALID_FIELD, which Salesforce reports for the whole request) rejects
 * the records that carry it and the others are sent again; any other (a value of the wrong type,
 * JSON_PARSER_ERROR) is told apart by sending the records one by one. Nothing was written by a
 * request answered 400, so sending its records again cannot write them twice.
 */
import { commonFieldOf, toSalesforceFields, WRITABLE_COMMON, type WritableCommon } from '../common-model/salesforce-write';
import { emailOf } from '../common-model/helpers';
import type { CommonObject } from '../common-model/model';
import { ProviderError, UnsupportedWriteError } from '../errors';
import type { HttpMethod } from '../runtime/http-runtime';
import type { ObjectType, SourceRecord, WaitInfo, WriteOperation, WriteOutcome, WriteRejection, WriteRequest } from '../types';
import { resolveSObject, toSourceRecord } from './objects';

/** sObject Collections' limit. */
export const SALESFORCE_WRITE_BATCH = 200;

export interface SfCall {
  method: Extract<HttpMethod, 'GET' | 'POST' | 'PATCH'>;
  /** From /services/..., query string included. */
  path: string;
  json?: unknown;
  idempotent?: boolean;
  passStatuses?: readonly number[];
  signal?: AbortSignal;
  onWait?: (info: WaitInfo) => void;
}

/** What writes need from the connection: its REST calls and the selectable fields of an object. */
export interface SalesforceApi {
  readonly version: string;
  call(req: SfCall): Promise<{ status: number; body: any }>;
  selectable(sobject: string, req?: { signal?: AbortSignal; onWait?: (info: WaitInfo) => void }): Promise<string[]>;
}

type Fields = Record<string, unknown>;
/** One record bound for one Collections request. */
interface Item {
  index: number;
  fields: Fields;
  id?: string;
}
interface SaveResult {
  id?: string;
  success?: boolean;
  created?: boolean;
  errors?: Array<{ statusCode?: string; message?: string; fields?: string[] }>;
}
interface Ctx {
  api: SalesforceApi;
  sobject: string;
  common?: WritableCommon;
  req: WriteRequest;
}

/** SOQL strings longer than this are split, so the query URL stays well under Salesforce's 16 KB. */
const SOQL_BUDGET = 8_000;
const NOT_FOUND_CODES = new Set(['NOT_FOUND', 'MALFORMED_ID', 'ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);
const CONFLICT_CODES = new Set(['DUPLICATE_VALUE', 'DUPLICATES_DETECTED', 'DUPLICATE_EXTERNAL_ID']);

export async function salesforceWrite(api: SalesforceApi, req: WriteRequest): Promise<WriteOutcome[]> {
  const { sobject, common } = resolveSObject(req.object, req.objectType);
  if (common && !(WRITABLE_COMMON as readonly CommonObject[]).includes(common)) throw new UnsupportedWriteError('object', `Salesforce common ${common} records cannot be written`);
  if (req.records.length > SALESFORCE_WRITE_BATCH) throw new ProviderError('configuration', `Salesforce writes at most ${SALESFORCE_WRITE_BATCH} records a call`);
  const ctx: Ctx = { api, sobject, common: common as WritableCommon | undefined, req };
  const outcomes = new Map<number, WriteOutcome>();
  const items: Item[] = [];
  req.records.forEach((r, index) => {
    const mapped = ctx.common ? toSalesforceFields(ctx.common, r.record) : { ok: true as const, fields: { ...r.record } };
    if (!mapped.ok) outcomes.set(index, { ok: false, error: mapped.error });
    else items.push({ index, fields: mapped.fields, ...(r.id !== undefined ? { id: r.id } : {}) });
  });

  if (req.operation === 'create') await send(ctx, 'create', items, outcomes);
  else if (req.operation === 'update') {
    const withId = items.filter((it) => {
      it.id ??= typeof it.fields.Id === 'string' ? it.fields.Id : undefined;
      delete it.fields.Id;
      if (!it.id) outcomes.set(it.index, { ok: false, error: { message: 'An update needs the id of the record', field: 'id', code: 'MISSING_ARGUMENT', status: 400 } });
      return Boolean(it.id);
    });
    await send(ctx, 'update', withId, outcomes);
  } else await upsert(ctx, items, outcomes);

  const out = req.records.map((_, i) => outcomes.get(i)!);
  if (req.returnRecords) await attachRecords(ctx, out);
  return out;
}

async function upsert(ctx: Ctx, items: Item[], outcomes: Map<number, WriteOutcome>): Promise<void> {
  const match = ctx.req.matchField;
  if (!match) throw new UnsupportedWriteError('match.field', 'A Salesforce upsert needs a match field');
  if (ctx.common && match === 'email' && (ctx.common === 'contact' || ctx.common === 'lead')) return upsertByEmail(ctx, items, outcomes);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(match) || (ctx.common && !match.endsWith('__c'))) {
    const what = ctx.common === 'contact' || ctx.common === 'lead' ? 'email or an external id field (…__c)' : 'an external id field';
    throw new UnsupportedWriteError('match.field', `Salesforce ${ctx.common ? `common ${ctx.common}` : ctx.sobject} upserts match on ${what}, not "${match}"`);
  }
  await send(ctx, 'upsert', items, outcomes);
}

/**
 * Email is no external id in Salesforce: the records are looked up by SOQL (Email comparisons
 * ignore case), then created or updated. Two records of the org with that email make it
 * ambiguous, and two records of the batch with one email would create it twice: both rejected.
 */
async function upsertByEmail(ctx: Ctx, items: Item[], outcomes: Map<number, WriteOutcome>): Promise<void> {
  const reject = (it: Item, error: WriteRejection) => outcomes.set(it.index, { ok: false, error });
  const emailOfItem = new Map<Item, string>();
  for (const it of items) {
    const email = emailOf(ctx.req.records[it.index]!.record);
    if (email) emailOfItem.set(it, email.toLowerCase());
    else reject(it, { message: 'An upsert by email needs an email address (email_addresses)', field: 'email_addresses', code: 'MISSING_ARGUMENT', status: 400 });
  }
  const counts = new Map<string, number>();
  for (const e of emailOfItem.values()) counts.set(e, (counts.get(e) ?? 0) + 1);
  const found = new Map<string, string[]>();
  const emails = [...counts.keys()].filter((e) => counts.get(e) === 1);
  for (const chunk of soqlChunks(emails)) {
    for (const r of await query(ctx, `SELECT Id, Email FROM ${ctx.sobject} WHERE Email IN (${chunk})`)) {
      const e = String(r.Email ?? '').toLowerCase();
      found.set(e, [...(found.get(e) ?? []), String(r.Id)]);
    }
  }
  const creates: Item[] = [];
  const updates: Item[] = [];
  for (const [it, email] of emailOfItem) {
    const ids = found.get(email) ?? [];
    if (counts.get(email)! > 1) reject(it, { message: `Duplicate email in this request: ${email}`, field: 'email_addresses', code: 'DUPLICATE_EXTERNAL_ID', status: 409 });
    else if (ids.length > 1) {
      reject(it, { message: `${ids.length} ${ctx.sobject}s have the email ${email}: ${ids.join(', ')}`, field: 'email_addresses', code: 'MULTIPLE_CHOICES', status: 409 });
    } else if (ids.length === 1) updates.push({ ...it, id: ids[0]! });
    else creates.push(it);
  }
  await send(ctx, 'create', creates, outcomes);
  await send(ctx, 'update', updates, outcomes);
}

/** One Collections request for these records (more after a whole-request 400), their outcomes set. */
async function send(ctx: Ctx, kind: WriteOperation, items: Item[], outcomes: Map<number, WriteOutcome>): Promise<void> {
  if (items.length === 0) return;
  const { api, sobject, req } = ctx;
  const base = `/services/data/${api.version}/composite/sobjects`;
  const records = items.map((it) => ({ attributes: { type: sobject }, ...(kind === 'update' ? { id: it.id } : {}), ...it.fields }));
  const res = await api.call({
    method: kind === 'create' ? 'POST' : 'PATCH',
    path: kind === 'upsert' ? `${base}/${sobject}/${req.matchField}` : base,
    json: { allOrNone: false, records },
    // A create sent twice creates twice; an update or an upsert by external id lands the same.
    idempotent: kind !== 'create',
    passStatuses: [400],
    signal: req.signal,
    onWait: req.onWait,
  });
  if (res.status === 200 && Array.isArray(res.body) && res.body.length === items.length) {
    items.forEach((it, i) => {
      outcomes.set(it.index, outcomeOf(ctx, kind, res.body[i] as SaveResult));
    });
    return;
  }
  if (res.status !== 400) throw new ProviderError('unknown', `Salesforce ${kind} of ${sobject} answered HTTP ${res.status} without a result per record`);

  const error = (Array.isArray(res.body) ? res.body[0] : res.body) as { errorCode?: string; message?: string } | undefined;
  const code = String(error?.errorCode ?? 'UNKNOWN');
  const message = String(error?.message ?? 'no message');
  if (code === 'INVALID_TYPE') throw new ProviderError('configuration', `Salesforce has no object ${sobject}: ${message}`, { status: 400 });
  if (kind === 'upsert' && code === 'INVALID_FIELD' && message.includes(String(req.matchField)) && !message.startsWith('No such column')) {
    throw new ProviderError('configuration', `Salesforce cannot upsert ${sobject} by ${req.matchField}: ${message}`, { status: 400 });
  }
  const column = code === 'INVALID_FIELD' ? /No such column '(\w+)'/.exec(message)?.[1] : undefined;
  const carriers = column ? items.filter((it) => Object.hasOwn(it.fields, column)) : [];
  const rejection = (field?: string): WriteOutcome => ({ ok: false, error: { message, code, status: 400, ...(field ? { field: fieldName(ctx, field) } : {}) } });
  if (carriers.length > 0) {
    for (const it of carriers) outcomes.set(it.index, rejection(column));
    return send(
      ctx,
      kind,
      items.filter((it) => !carriers.includes(it)),
      outcomes,
    );
  }
  if (items.length === 1) {
    outcomes.set(items[0]!.index, rejection(column));
    return;
  }
  for (const it of items) await send(ctx, kind, [it], outcomes);
}

function outcomeOf(ctx: Ctx, kind: WriteOperation, r: SaveResult): WriteOutcome {
  if (r?.success && typeof r.id === 'string') {
    const operation: WriteOperation = kind === 'upsert' ? (r.created === false ? 'update' : 'create') : kind;
    return { ok: true, id: r.id, operation };
  }
  const e = r?.errors?.[0];
  const code = String(e?.statusCode ?? 'UNKNOWN');
  const message = String(e?.message ?? 'Salesforce refused the record without a reason');
  // DUPLICATE_VALUE names the field only in its message: "duplicate value found: Sku__c duplicates value on record with id: …".
  const field = e?.fields?.[0] ?? /^duplicate value found: (\w+) duplicates/.exec(message)?.[1];
  const status = CONFLICT_CODES.has(code) ? 409 : kind === 'update' && NOT_FOUND_CODES.has(code) && (!e?.fields?.length || e.fields[0] === 'Id') ? 404 : 400;
  return { ok: false, error: { message, code, status, ...(field ? { field: fieldName(ctx, field) } : {}) } };
}

const fieldName = (ctx: Ctx, sfField: string) => (!ctx.common ? sfField : sfField === 'Id' ? 'id' : commonFieldOf(ctx.common, sfField));

/** Collections answers carry ids only: the written records are read back in one SOQL query. */
async function attachRecords(ctx: Ctx, outcomes: WriteOutcome[]): Promise<void> {
  const ids = [...new Set(outcomes.flatMap((o) => (o.ok ? [o.id] : [])))];
  if (ids.length === 0) return;
  const fields = await ctx.api.selectable(ctx.sobject, ctx.req);
  const byId = new Map<string, Record<string, unknown>>();
  for (const chunk of soqlChunks(ids)) {
    for (const r of await query(ctx, `SELECT ${fields.join(', ')} FROM ${ctx.sobject} WHERE Id IN (${chunk})`)) byId.set(String(r.Id), r);
  }
  outcomes.forEach((o, i) => {
    const raw = o.ok ? byId.get(o.id) : undefined;
    if (o.ok && raw) outcomes[i] = { ...o, record: toSourceRecord(raw, ctx.common) };
  });
}

/** A SOQL query's records (attributes dropped), following nextRecordsUrl. */
async function query(ctx: Pick<Ctx, 'api' | 'req'>, soql: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let path: string | null = `/services/data/${ctx.api.version}/query?q=${encodeURIComponent(soql)}`;
  while (path) {
    const { body } = await ctx.api.call({ method: 'GET', path, signal: ctx.req.signal, onWait: ctx.req.onWait });
    for (const r of Array.isArray(body?.records) ? body.records : []) {
      const { attributes: _attributes, ...raw } = r as Record<string, unknown>;
      out.push(raw);
    }
    path = body?.done === false && typeof body.nextRecordsUrl === 'string' && body.nextRecordsUrl.startsWith('/services/data/') ? body.nextRecordsUrl : null;
  }
  return out;
}

/** Quoted SOQL string lists ('a', 'b'), each under the length budget. */
function soqlChunks(values: string[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const v of values) {
    const quoted = `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
    if (current.length > 0 && length + quoted.length > SOQL_BUDGET) {
      chunks.push(current.join(', '));
      current = [];
      length = 0;
    }
    current.push(quoted);
    length += quoted.length + 2;
  }
  if (current.length > 0) chunks.push(current.join(', '));
  return chunks;
}

/** One record by id (GET sobjects/{type}/{id} with the fields a sync selects, so raw matches readPage's); null when Salesforce has none. */
export async function salesforceReadRecord(api: SalesforceApi, req: { object: string; objectType: ObjectType; id: string; signal?: AbortSignal }): Promise<SourceRecord | null> {
  const { sobject, common } = resolveSObject(req.object, req.objectType);
  if (!/^[A-Za-z0-9]{1,18}$/.test(req.id)) return null; // no Salesforce id looks like that
  const fields = await api.selectable(sobject, req);
  const path = `/services/data/${api.version}/sobjects/${sobject}/${req.id}?fields=${encodeURIComponent(fields.join(','))}`;
  const res = await api.call({ method: 'GET', path, passStatuses: [404], signal: req.signal });
  if (res.status === 404) return null;
  const { attributes: _attributes, ...raw } = res.body as Record<string, unknown>;
  return toSourceRecord(raw, common);
}
