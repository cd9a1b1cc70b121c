/**
 * Writes of a declarative connection, as its streams' `write` sections describe them, and
 * `read_one`. Requests go through the connection's HTTP client, so they share the reads'
 * auth (OAuth refresh included), rate limit, Retry-After handling and outbound policy.
 */
import { ProviderError, WriteOutcomeUnknownError, UnsupportedWriteError } from '../errors';
import type { HttpClient, HttpResponse } from '../runtime';
import type { ObjectType, SourceRecord, WriteOutcome, WriteRecord, WriteRequest } from '../types';
import type { ConnectorDefinition, StreamDefinition } from './definition';
import { compileGetter, getPath, parseJsonPath } from './json-path';
import { parseJsonResponse } from './records';
import { refLabel, type Scope, type VarRef } from './template';
import { readWritten, rejectionFrom, rejectionOf, sourceRecord } from './write-answers';
import type { WriteDefinition, WriteOperationName, WriteRequestDefinition } from './write-definition';
import { buildTarget, MissingValue, recordBody, wrapBody, type WriteTarget } from './write-request';

/** Statuses whose answer says why the API refused the record. 404 is one only for an update (an unknown id); elsewhere it is a wrong path. */
const REFUSALS = [400, 409, 422] as const;
const UPDATE_REFUSALS = [...REFUSALS, 404] as const;

/** One write call: what the definition says about it, and the scope every record's templates start from. */
interface Call {
  req: WriteRequest;
  stream: StreamDefinition;
  write: WriteDefinition;
  op: WriteOperationName;
  spec: WriteRequestDefinition;
  matchField: string | undefined;
  base: Scope;
  what: string;
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

export class DeclarativeWriter {
  constructor(
    private readonly def: ConnectorDefinition,
    private readonly client: HttpClient,
    /** The connection's template scope (parameters checked, a fresh access token for oauth2). */
    private readonly scope: () => Promise<Scope>,
  ) {}

  /** The contract has one batch size per connection: the smallest of the streams', so no call is too big for any of them. */
  get batchSize(): number {
    return Math.min(...this.def.streams.flatMap((s) => (s.write ? [s.write.batch_size] : [])));
  }

  async write(req: WriteRequest): Promise<WriteOutcome[]> {
    const stream = this.stream(req.object, req.objectType);
    const write = stream.write;
    if (!write) throw new UnsupportedWriteError('object', `${this.def.name} object "${stream.id}" cannot be written: its stream has no write section`);
    const spec = write[req.operation];
    if (!spec) {
      const defined = (['create', 'update', 'upsert'] as const).filter((op) => write[op] !== undefined);
      throw new UnsupportedWriteError('operation', `${this.def.name} object "${stream.id}" does not support ${req.operation} (its write section defines ${defined.join(', ')})`);
    }
    if (req.records.length > write.batch_size) {
      throw new ProviderError('configuration', `${this.def.name} object "${stream.id}" takes at most ${write.batch_size} record(s) per write, not ${req.records.length}`);
    }
    if (req.records.length === 0) return [];
    const call: Call = {
      req,
      stream,
      write,
      op: req.operation,
      spec,
      matchField: req.operation === 'upsert' ? this.matchField(stream, write, req.matchField) : undefined,
      base: await this.scope(),
      what: `the ${req.operation} of ${this.def.name} "${stream.id}"`,
    };
    if (write.batch_size > 1) return this.writeBatch(call);
    const outcomes: WriteOutcome[] = [];
    for (const rec of req.records) outcomes.push(await this.writeOne(call, rec));
    return outcomes;
  }

  async readRecord(req: { object: string; objectType: ObjectType; id: string; signal?: AbortSignal }): Promise<SourceRecord | null> {
    const stream = this.stream(req.object, req.objectType);
    if (!stream.read_one) throw new ProviderError('configuration', `${this.def.name} object "${stream.id}" cannot be read by id: its stream has no read_one`);
    return this.readOne(stream, req.id, req.signal);
  }

  private stream(object: string, objectType: ObjectType): StreamDefinition {
    if (objectType !== 'standard') throw new ProviderError('configuration', `${this.def.name} connectors only have standard objects, not ${objectType} "${object}"`);
    const stream = this.def.streams.find((s) => s.id === object);
    if (!stream) throw new ProviderError('configuration', `unknown object "${object}" for ${this.def.name} (streams: ${this.def.streams.map((s) => s.id).join(', ')})`);
    return stream;
  }

  private matchField(stream: StreamDefinition, write: WriteDefinition, requested: string | undefined): string {
    const fields = write.upsert!.match_fields;
    const field = requested ?? fields[0]!;
    if (!fields.includes(field)) {
      throw new UnsupportedWriteError('match.field', `${this.def.name} object "${stream.id}" upserts match on ${fields.map((f) => `"${f}"`).join(', ')}, not "${field}"`);
    }
    return field;
  }

  /** The scope of one record's templates, or its rejection when it lacks the id or match value the request needs. */
  private recordScope(call: Call, rec: WriteRecord): Scope | WriteOutcome {
    const target: Record<string, unknown> = {};
    if (call.op === 'update') {
      if (isAbsent(rec.id)) return unsent('an update needs the id of the record to update', 'id');
      target.id = rec.id;
    }
    if (call.matchField !== undefined) {
      const value = rec.record[call.matchField];
      if (isAbsent(value)) return unsent(`the record has no value for "${call.matchField}", which the upsert matches on`, call.matchField);
      target.match_field = call.matchField;
      target.match_value = value;
    }
    return { ...call.base, record: rec.record, target };
  }

  private async writeOne(call: Call, rec: WriteRecord): Promise<WriteOutcome> {
    const scope = this.recordScope(call, rec);
    if ('ok' in scope) return scope;
    const target = buildTarget(this.def, call.spec, scope, call.what);
    if (target instanceof MissingValue) return unsentFor(target.ref, call.what);
    const res = await this.send(call, target, wrapBody(call.spec, recordBody(call.spec, scope)));
    if (this.refused(call, res)) return { ok: false, error: rejectionOf(res.status, res.body, call.write, (s) => this.client.redact(s)) };
    const what = this.client.describe(call.spec.method, res.url);
    return this.outcome(call, readAnswer(res, what), res.status, rec, what, false);
  }

  /** batch_size > 1: one request with the records' bodies as an array, and one result per record in the answer. */
  private async writeBatch(call: Call): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(call.req.records.length);
    const sent: { index: number; rec: WriteRecord; body: unknown }[] = [];
    call.req.records.forEach((rec, index) => {
      const scope = this.recordScope(call, rec);
      if ('ok' in scope) outcomes[index] = scope;
      else sent.push({ index, rec, body: recordBody(call.spec, scope) });
    });
    if (sent.length === 0) return outcomes;
    const target = buildTarget(this.def, call.spec, call.base, call.what);
    // Publishing allows only parameters outside the body of a batch request.
    if (target instanceof MissingValue) throw new ProviderError('configuration', `${call.what}: ${refLabel(target.ref)} cannot be used outside the body with batch_size > 1`);
    const res = await this.send(
      call,
      target,
      wrapBody(
        call.spec,
        sent.map((s) => s.body),
      ),
    );
    if (this.refused(call, res)) {
      const error = rejectionOf(res.status, res.body, call.write, (s) => this.client.redact(s));
      for (const s of sent) outcomes[s.index] = { ok: false, error };
      return outcomes;
    }
    const what = this.client.describe(call.spec.method, res.url);
    const resultsPath = call.spec.results_path ?? '$';
    const results = getPath(readAnswer(res, what), parseJsonPath(resultsPath));
    if (!Array.isArray(results) || results.length !== sent.length) {
      const found = Array.isArray(results) ? `${results.length} results` : 'no array';
      throw new WriteOutcomeUnknownError(
        `${what} answered HTTP ${res.status} with ${found} at results_path "${resultsPath}" for ${sent.length} records, so which were written is unknown; they were not sent again`,
        { status: res.status },
      );
    }
    for (const [i, s] of sent.entries()) outcomes[s.index] = await this.outcome(call, results[i], res.status, s.rec, what, true);
    return outcomes;
  }

  private send(call: Call, target: WriteTarget, body: unknown): Promise<HttpResponse> {
    return this.client.request({
      method: call.spec.method,
      url: target.url,
      headers: target.headers,
      json: body,
      signal: call.req.signal,
      onWait: call.req.onWait,
      // A create sent twice creates twice; an update or an upsert sent twice leaves the same record.
      idempotent: call.op !== 'create',
      passStatuses: call.op === 'update' ? UPDATE_REFUSALS : REFUSALS,
    });
  }

  private refused(call: Call, res: HttpResponse): boolean {
    return (call.op === 'update' ? UPDATE_REFUSALS : REFUSALS).some((s) => s === res.status);
  }

  /** One record's outcome from its answer. In a batch, a result without an id that carries a message is that record's refusal. */
  private async outcome(call: Call, answer: unknown, status: number, rec: WriteRecord, what: string, inBatch: boolean): Promise<WriteOutcome> {
    const { stream, spec } = call;
    const written = readWritten(answer, spec, stream);
    const id = written.id ?? (call.op === 'update' ? rec.id : undefined);
    if (id === undefined) {
      const refusal = inBatch ? rejectionFrom(answer, status, call.write, (s) => this.client.redact(s)) : undefined;
      if (refusal) return { ok: false, error: refusal };
      const where = spec.id_path !== undefined ? `id_path "${spec.id_path}"` : `primary_key "${stream.primary_key}"`;
      throw new WriteOutcomeUnknownError(`${what} answered HTTP ${status} without the record's id at ${where}; it was probably written, so it was not sent again`, { status });
    }
    const created = call.write.upsert?.created_statuses;
    const operation = call.op !== 'upsert' || !created || inBatch ? call.op : created.includes(status) ? 'create' : 'update';
    if (!call.req.returnRecords) return { ok: true, id, operation };
    const record = written.raw ? sourceRecord(written.raw, id, stream) : stream.read_one ? await this.readOne(stream, id, call.req.signal) : null;
    return record ? { ok: true, id, operation, record } : { ok: true, id, operation };
  }

  private async readOne(stream: StreamDefinition, id: string, signal: AbortSignal | undefined): Promise<SourceRecord | null> {
    const readOne = stream.read_one!;
    const what = `the read_one of ${this.def.name} "${stream.id}"`;
    const target = buildTarget(this.def, readOne, { ...(await this.scope()), target: { id } }, what);
    if (target instanceof MissingValue) throw new ProviderError('configuration', `${what} needs a record id`);
    const res = await this.client.request({ url: target.url, headers: target.headers, signal, passStatuses: [404] });
    if (res.status === 404) return null;
    const answer = parseJsonResponse(res, this.client.describe('GET', res.url));
    const found = readOne.record_path !== undefined ? getPath(answer, parseJsonPath(readOne.record_path)) : answer;
    if (found === null || typeof found !== 'object' || Array.isArray(found)) {
      throw new ProviderError('configuration', `${what} answered without a record at record_path "${readOne.record_path ?? '$'}"`);
    }
    const raw = found as Record<string, unknown>;
    const ownId = stream.primary_key ? compileGetter(stream.primary_key)(raw) : undefined;
    return sourceRecord(raw, isAbsent(ownId) ? id : String(ownId), stream);
  }
}

/** A success's JSON body (undefined for a 204). One that cannot be read may still have been carried out: its outcome is unknown. */
function readAnswer(res: HttpResponse, what: string): unknown {
  try {
    return parseJsonResponse(res, what);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    throw new WriteOutcomeUnknownError(`${err.message}; the write may have been carried out, so it was not sent again`, { status: res.status, cause: err });
  }
}

/** A record refused before any request: it lacks what the request is built from. */
function unsent(message: string, field: string): WriteOutcome {
  return { ok: false, error: { message, field, code: 'missing_value', status: 400 } };
}

function unsentFor(ref: VarRef, what: string): WriteOutcome {
  return unsent(`${what} needs ${refLabel(ref)}, which the record has no value for`, ref.name);
}
