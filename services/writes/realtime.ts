/**
 * Real-time writes (extension; also the CRM v2 action paths): one record written to the customer's
 * provider while the caller waits, answered with the provider's id and the record as the provider
 * now holds it, or with the provider's own refusal. An Idempotency-Key stores the outcome for 24 h
 * so a retried request is answered without writing again.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/records';
import { ConflictError, NotFoundError, RecordRejectedError, UnprocessableError } from '../../lib/errors';
import * as keys from '../../db/repositories/write-idempotency';
import { ProviderError, WriteOutcomeUnknownError } from '../../providers/errors';
import type { HttpRuntime } from '../../providers/runtime';
import type { ObjectType, SourceRecord, WriteOperation, WriteRequest } from '../../providers/types';
import type { ServiceDeps } from '../deps';
import { getConnectionByHeadersOrThrow } from '../connections/connections';
import type { RealtimeWriteInput } from './inputs';
import { asInputError, openProvider, openWritableProvider } from './target';

export interface WrittenRecord {
  id: string;
  operation: WriteOperation;
  /** Common objects: the common model, with the provider's record in `raw_data`; otherwise the provider's record. */
  record: Record<string, unknown>;
}

/** What is stored under an Idempotency-Key: enough to answer the same way again. */
type StoredOutcome =
  | { kind: 'written'; result: WrittenRecord }
  | { kind: 'rejected'; message: string; rejection: RecordRejectedError['rejection'] }
  | { kind: 'unknown'; message: string };

/** A record as the API shows it: common objects in the common model (raw record in raw_data). */
export function recordView(objectType: ObjectType, r: SourceRecord): Record<string, unknown> {
  return objectType === 'common' && r.unified ? { ...r.unified, raw_data: r.raw } : r.raw;
}

/** The request's fields as the provider takes them: an update's id comes out of the record. */
function writeRequest(input: RealtimeWriteInput): WriteRequest {
  const { id: recordId, ...rest } = input.record;
  const id = input.operation === 'update' ? (input.id ?? String(recordId)) : undefined;
  return {
    object: input.object,
    objectType: input.object_type,
    operation: input.operation,
    ...(input.match ? { matchField: input.match.field } : {}),
    records: [{ record: input.operation === 'update' && input.id === undefined ? rest : input.record, ...(id !== undefined ? { id } : {}) }],
    returnRecords: true,
  };
}

async function writeOnce(
  deps: ServiceDeps,
  applicationId: string,
  connection: { id: string; provider_name: string },
  input: RealtimeWriteInput,
  runtime?: HttpRuntime,
): Promise<StoredOutcome> {
  const provider = await openWritableProvider(deps, applicationId, connection, runtime);
  const req = writeRequest(input);
  let outcomes: Awaited<ReturnType<typeof provider.write>>;
  try {
    outcomes = await provider.write(req);
  } catch (err) {
    if (err instanceof WriteOutcomeUnknownError) return { kind: 'unknown', message: `writing ${input.object} to ${connection.provider_name}: ${err.message}` };
    const input400 = asInputError(err);
    if (input400 instanceof ProviderError) throw input400.withContext(`writing ${input.object} to ${connection.provider_name} failed`);
    throw input400;
  }
  const outcome = outcomes[0];
  if (!outcome || outcomes.length !== 1) throw new Error(`${connection.provider_name} answered ${outcomes.length} outcomes for one record`);
  if (!outcome.ok)
    return {
      kind: 'rejected',
      message: outcome.error.message,
      rejection: { status: outcome.error.status, ...(outcome.error.field ? { field: outcome.error.field } : {}), ...(outcome.error.code ? { code: outcome.error.code } : {}) },
    };
  const record = outcome.record ? recordView(input.object_type, outcome.record) : { id: outcome.id };
  return { kind: 'written', result: { id: outcome.id, operation: outcome.operation, record } };
}

function settle(outcome: StoredOutcome): WrittenRecord {
  if (outcome.kind === 'written') return outcome.result;
  if (outcome.kind === 'rejected') throw new RecordRejectedError(outcome.message, outcome.rejection);
  throw new WriteOutcomeUnknownError(outcome.message);
}

const STATUS: Record<StoredOutcome['kind'], number> = { written: 200, rejected: 422, unknown: 499 };

export async function writeRecord(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  input: RealtimeWriteInput,
  opts: { idempotencyKey?: string; runtime?: HttpRuntime } = {},
): Promise<{ result: WrittenRecord; replayed: boolean }> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  if (opts.idempotencyKey === undefined) return { result: settle(await writeOnce(deps, applicationId, connection, input, opts.runtime)), replayed: false };

  const key = { application_id: applicationId, connection_id: connection.id, key: opts.idempotencyKey };
  // Key order does not change a request: the hash is of its canonical JSON.
  const hash = createHash('sha256').update(canonicalJson(input)).digest('hex');
  if (!(await keys.claimIdempotencyKey(deps.db, key, hash))) {
    const stored = await keys.findIdempotencyKey(deps.db, key);
    if (stored && stored.request_hash !== hash)
      throw new UnprocessableError('This Idempotency-Key was used with a different request in the last 24 hours; use a new key for a new write', {
        summary: 'Idempotency-Key reused',
      });
    if (stored?.response == null)
      throw new ConflictError(
        'A request with this Idempotency-Key is still being carried out (or stopped before it finished): retry later, or check the provider and use a new key',
        { summary: 'Idempotency-Key in use' },
      );
    return { result: settle(stored.response as StoredOutcome), replayed: true };
  }
  let outcome: StoredOutcome;
  try {
    outcome = await writeOnce(deps, applicationId, connection, input, opts.runtime);
  } catch (err) {
    // Nothing reached the provider's records (bad input, credentials, throttled to the end): the key may be used again.
    await keys.releaseIdempotencyKey(deps.db, key);
    throw err;
  }
  await keys.storeIdempotentOutcome(deps.db, key, STATUS[outcome.kind], outcome);
  return { result: settle(outcome), replayed: false };
}

/** One record read live from the provider, shown as the writes show it. */
export async function readRecordLive(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  target: { objectType: ObjectType; object: string; id: string },
  runtime?: HttpRuntime,
): Promise<Record<string, unknown>> {
  return recordView(target.objectType, await readSourceRecordLive(deps, applicationId, customerId, providerName, target, runtime));
}

/** One record read live from the provider with what a sync keeps beside it (last-modified time, deletion): the CRM v2 object records show them. */
export async function readSourceRecordLive(
  deps: ServiceDeps,
  applicationId: string,
  customerId: string,
  providerName: string,
  target: { objectType: ObjectType; object: string; id: string },
  runtime?: HttpRuntime,
): Promise<SourceRecord> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const provider = await openProvider(deps, applicationId, connection, runtime);
  if (!provider.readRecord) throw new UnprocessableError(`${providerName} cannot read one record live`);
  let found: SourceRecord | null;
  try {
    found = await provider.readRecord({ object: target.object, objectType: target.objectType, id: target.id });
  } catch (err) {
    const input400 = asInputError(err);
    if (input400 instanceof ProviderError) throw input400.withContext(`reading ${target.object} ${target.id} from ${providerName} failed`);
    throw input400;
  }
  if (!found) throw new NotFoundError('Record', `${providerName} has no ${target.object} with id ${target.id}`);
  return found;
}
