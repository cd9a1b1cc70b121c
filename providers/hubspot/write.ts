/**
 * Writes to HubSpot through the CRM v3 batch endpoints: `batch/create`, `batch/update` (by id; an
 * upsert on `id` is one too, as HubSpot chooses new records' ids) and `batch/upsert` (by a unique
 * property, `idProperty`), up to 100 records a request. A single record goes through the same
 * endpoints, so there is one way of reading HubSpot's answers.
 *
 * Each input carries its position as `objectWriteTraceId`, which HubSpot echoes on results, to
 * pair answers with records. A 207 lists per-record errors (an update of an unknown id); a
 * 400/409 refuses the whole batch without saying which record was at fault, so the batch is
 * halved and sent again until each refused record stands alone and the others are written
 * (HubSpot writes nothing of a refused batch, so no record is written twice).
 *
 * Creates are not resent after a maybe-processed failure (WriteOutcomeUnknownError); updates and
 * upserts are idempotent and retried. A common contact or deal's `account_id` is an association
 * in the create input (HUBSPOT_DEFINED 279 contact→company, 341 deal→company); on an update or
 * upsert, whose inputs take no associations, it is a v4 default association afterwards, one
 * request per record. A null `account_id` leaves the associations as they are.
 */
import { HUBSPOT_COMMON_MATCH_FIELDS, hubspotCommonField, hubspotCommonWrite } from '../common-model/hubspot-write';
import type { CommonObject } from '../common-model/model';
import { ProviderError, WriteOutcomeUnknownError, UnsupportedWriteError } from '../errors';
import type { SourceRecord, WaitInfo, WriteOperation, WriteOutcome, WriteRecord, WriteRejection, WriteRequest } from '../types';

export const WRITE_BATCH_SIZE = 100;

const COMPANY_ASSOCIATION_TYPES: Record<string, number> = { contacts: 279, deals: 341 };
/** Refusals whose body says why (a validation error, a duplicate): outcomes, not failures. */
const REFUSED: readonly number[] = [400, 409, 422];
const CATEGORY_STATUS: Record<string, number> = { VALIDATION_ERROR: 400, OBJECT_NOT_FOUND: 404, CONFLICT: 409 };

/** A HubSpot object as the objects API names it, and the common object it is read as. */
export interface HubspotTarget {
  object: string;
  common?: CommonObject;
}

/** What the writer needs of the connection: its authorised requests and its reads. */
export interface HubspotWriteApi {
  send(req: {
    method: 'POST' | 'PUT';
    path: string;
    json?: unknown;
    idempotent: boolean;
    passStatuses: readonly number[];
    signal?: AbortSignal;
    onWait?: (info: WaitInfo) => void;
  }): Promise<{ status: number; body: any }>;
  readRecords(target: HubspotTarget, ids: string[], signal?: AbortSignal): Promise<SourceRecord[]>;
}

interface Item {
  index: number;
  /** The batch input, without its objectWriteTraceId. */
  input: { id?: string; idProperty?: string; properties: Record<string, unknown>; associations?: unknown[] };
  record: Record<string, unknown>;
  /** A company to associate once an update or upsert is written. */
  accountId?: string;
}

type HsError = { message?: string; category?: string; context?: Record<string, unknown>; errors?: HsError[] };
type HsResult = { id: string; new?: boolean; objectWriteTraceId?: string; properties?: Record<string, unknown> };

export async function writeHubspot(api: HubspotWriteApi, target: HubspotTarget, req: WriteRequest): Promise<WriteOutcome[]> {
  if (req.records.length > WRITE_BATCH_SIZE) throw new ProviderError('configuration', `HubSpot writes at most ${WRITE_BATCH_SIZE} records a request, not ${req.records.length}`);
  if (target.common && !HUBSPOT_COMMON_MATCH_FIELDS[target.common]) throw new UnsupportedWriteError('object', `HubSpot cannot write common ${target.common} records`);
  const batch = new Batch(api, target, req);
  const items: Item[] = [];
  req.records.forEach((r, index) => {
    const item = batch.prepare(r, index);
    if (item) items.push(item);
  });
  await batch.send(items);
  await batch.associate(items);
  if (req.returnRecords) await batch.attachRecords();
  return batch.outcomes as WriteOutcome[];
}

class Batch {
  readonly outcomes: Array<WriteOutcome | undefined>;
  /** The batch endpoint: an upsert on `id` is an update by id (HubSpot chooses the ids of new records). */
  private readonly operation: WriteOperation;
  private readonly idProperty: string | undefined;

  constructor(
    private readonly api: HubspotWriteApi,
    private readonly target: HubspotTarget,
    private readonly req: WriteRequest,
  ) {
    this.outcomes = req.records.map(() => undefined);
    this.operation = req.operation === 'upsert' && req.matchField === 'id' ? 'update' : req.operation;
    this.idProperty = this.operation === 'upsert' ? this.upsertProperty() : undefined;
  }

  private upsertProperty(): string {
    const { matchField } = this.req;
    const { common } = this.target;
    if (!matchField) throw new UnsupportedWriteError('match.field', 'An upsert to HubSpot needs a match field: a unique property such as email');
    if (common) {
      const fields = HUBSPOT_COMMON_MATCH_FIELDS[common] ?? {};
      const property = fields[matchField];
      if (!property) {
        const known = Object.keys(fields);
        throw new ProviderError(
          'configuration',
          `HubSpot cannot upsert common ${common} records on "${matchField}" (${known.length ? `it matches on ${known.join(', ')}` : 'it has no unique common field'})`,
        );
      }
      return property;
    }
    return matchField;
  }

  /** The batch input of one record, or undefined when the record cannot be sent (its outcome is set). */
  prepare(r: WriteRecord, index: number): Item | undefined {
    const { operation } = this;
    const { common, object } = this.target;
    const mapped = common ? hubspotCommonWrite(common, r.record, operation)! : { properties: { ...r.record } };
    // The id is no property (HubSpot's own is hs_object_id).
    const { id: _, ...properties } = mapped.properties;
    const accountId = mapped.accountId ?? undefined;
    const reject = (error: WriteRejection): undefined => {
      this.outcomes[index] = { ok: false, error };
    };
    const item: Item = { index, input: { properties }, record: r.record };
    if (operation === 'update') {
      const id = r.id ?? r.record.id;
      if (id === undefined || id === null || id === '') return reject({ message: `An ${this.req.operation} by id needs the id of the HubSpot record`, field: 'id', status: 400 });
      item.input.id = String(id);
    } else if (operation === 'upsert') {
      const value = properties[this.idProperty!];
      if (value === undefined || value === null || value === '')
        return reject({ message: `An upsert needs a value for ${this.req.matchField}`, field: this.req.matchField, status: 400 });
      delete properties[this.idProperty!];
      item.input.idProperty = this.idProperty;
      item.input.id = String(value);
    }
    const associationType = COMPANY_ASSOCIATION_TYPES[object];
    if (accountId && associationType) {
      if (operation === 'create') item.input.associations = [{ to: { id: accountId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: associationType }] }];
      else item.accountId = accountId;
    }
    return item;
  }

  async send(items: Item[]): Promise<void> {
    if (items.length === 0) return;
    const { operation } = this;
    const { signal, onWait } = this.req;
    const res = await this.api.send({
      method: 'POST',
      path: `/crm/v3/objects/${encodeURIComponent(this.target.object)}/batch/${operation}`,
      json: { inputs: items.map((i) => ({ ...i.input, objectWriteTraceId: String(i.index) })) },
      idempotent: operation !== 'create',
      passStatuses: REFUSED,
      signal,
      onWait,
    });
    if (REFUSED.includes(res.status)) {
      if (items.length === 1) return this.reject(items[0]!, res.body ?? {}, res.status);
      const half = Math.ceil(items.length / 2);
      await this.send(items.slice(0, half));
      await this.send(items.slice(half));
      return;
    }
    this.readAnswer(items, res.body ?? {}, res.status);
  }

  /** Pairs results and per-record errors (a 207) with the records sent. */
  private readAnswer(items: Item[], body: { results?: HsResult[]; errors?: HsError[] }, status: number): void {
    const pending = new Map(items.map((i) => [i.index, i]));
    const results = Array.isArray(body.results) ? body.results : [];
    const unpaired: HsResult[] = [];
    for (const r of results) {
      const item = this.pairResult(r, pending);
      if (!item) {
        unpaired.push(r);
        continue;
      }
      pending.delete(item.index);
      this.succeed(item, r);
    }
    // Results of every record left, without a trace id or a key to pair on: in input order.
    if (unpaired.length > 0 && unpaired.length === pending.size) {
      const left = [...pending.values()];
      for (const [i, r] of unpaired.entries()) this.succeed(left[i]!, r);
      pending.clear();
    }
    const errors = Array.isArray(body.errors) ? body.errors : [];
    for (const e of errors) {
      for (const item of this.errorTargets(e, pending)) {
        pending.delete(item.index);
        this.reject(item, e, CATEGORY_STATUS[e.category ?? ''] ?? 400);
      }
    }
    if (pending.size === 0) return;
    // The only error is about the records left, though it does not name them.
    if (errors.length === 1) {
      for (const item of pending.values()) this.reject(item, errors[0]!, CATEGORY_STATUS[errors[0]!.category ?? ''] ?? 400);
      return;
    }
    if (this.operation === 'create') {
      throw new WriteOutcomeUnknownError(`HubSpot answered HTTP ${status} to a batch create without saying what became of ${pending.size} of its records`, { status });
    }
    for (const item of pending.values()) this.reject(item, { message: 'HubSpot answered without a result for this record' }, status);
  }

  private pairResult(r: HsResult, pending: Map<number, Item>): Item | undefined {
    if (r.objectWriteTraceId !== undefined) return pending.get(Number(r.objectWriteTraceId));
    const items = [...pending.values()];
    if (this.operation === 'update') return items.find((i) => i.input.id === String(r.id));
    if (this.operation === 'upsert') return items.find((i) => sameValue(r.properties?.[this.idProperty!], i.input.id));
    return undefined;
  }

  /** The records an error names: by trace id, or by the ids (or unique values) in its context. */
  private errorTargets(e: HsError, pending: Map<number, Item>): Item[] {
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
    const traces = list(e.context?.objectWriteTraceId);
    if (traces.length) return traces.flatMap((t) => pending.get(Number(t)) ?? []);
    const ids = list(e.context?.ids ?? e.context?.id);
    return [...pending.values()].filter((i) => ids.some((id) => sameValue(id, i.input.id)));
  }

  private succeed(item: Item, r: HsResult): void {
    const operation = this.operation === 'upsert' && typeof r.new === 'boolean' ? (r.new ? 'create' : 'update') : this.operation;
    this.outcomes[item.index] = { ok: true, id: String(r.id), operation };
  }

  private reject(item: Item, e: HsError, status: number): void {
    const error = rejection(e, status);
    if (error.field && this.target.common) error.field = hubspotCommonField(this.target.common, item.record, error.field);
    this.outcomes[item.index] = { ok: false, error };
  }

  /** The company of each written update or upsert that names one, as a v4 default association. */
  async associate(items: Item[]): Promise<void> {
    for (const item of items) {
      const outcome = this.outcomes[item.index];
      if (!item.accountId || !outcome?.ok) continue;
      const res = await this.api.send({
        method: 'PUT',
        path: `/crm/v4/objects/${this.target.object}/${encodeURIComponent(outcome.id)}/associations/default/companies/${encodeURIComponent(item.accountId)}`,
        idempotent: true,
        passStatuses: [...REFUSED, 404],
        signal: this.req.signal,
        onWait: this.req.onWait,
      });
      if (res.status < 300) continue;
      const error = rejection(res.body ?? {}, res.status);
      this.outcomes[item.index] = { ok: false, error: { ...error, message: `${error.message} (the record was written without its company association)`, field: 'account_id' } };
    }
  }

  /** The records as HubSpot now holds them, read back in one batch. */
  async attachRecords(): Promise<void> {
    const written = this.outcomes.filter((o): o is Extract<WriteOutcome, { ok: true }> => o?.ok === true);
    if (written.length === 0) return;
    const records = new Map((await this.api.readRecords(this.target, [...new Set(written.map((o) => o.id))], this.req.signal)).map((r) => [r.id, r]));
    for (const o of written) {
      const record = records.get(o.id);
      if (record) o.record = record;
    }
  }
}

/** HubSpot's reason for refusing a record: its own messages, the property it names, its category. */
function rejection(e: HsError, status: number): WriteRejection {
  const details = detailsOf(e);
  const message =
    details
      .map((d) => d.message)
      .filter(Boolean)
      .join('; ') ||
    e.message ||
    `HubSpot answered HTTP ${status}`;
  const field = details.find((d) => d.field)?.field ?? propertyName(e.context);
  return { message, ...(field ? { field } : {}), ...(e.category ? { code: e.category } : {}), status };
}

function detailsOf(e: HsError): Array<{ message: string; field?: string }> {
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.map((d) => ({ message: String(d.message ?? ''), field: propertyName(d.context) }));
  // Batch endpoints put the per-property details in the message, as JSON.
  const json = /^Property values were not valid: (\[.*\])$/s.exec(e.message ?? '')?.[1];
  if (!json) return [];
  try {
    const list: unknown = JSON.parse(json);
    if (!Array.isArray(list)) return [];
    return list.map((d: { message?: unknown; name?: unknown }) => ({ message: String(d?.message ?? ''), ...(typeof d?.name === 'string' ? { field: d.name } : {}) }));
  } catch {
    return [];
  }
}

function propertyName(context: Record<string, unknown> | undefined): string | undefined {
  const v = context?.propertyName;
  if (Array.isArray(v) && v.length > 0) return String(v[0]);
  return typeof v === 'string' ? v : undefined;
}

/** HubSpot answers unique values (emails) as it stores them, lowercased. */
const sameValue = (a: unknown, b: unknown) => a !== undefined && a !== null && String(a).toLowerCase() === String(b).toLowerCase();
