/**
 * Reading a write's answer: the API's own message, field and code out of a refusal, and the
 * id and record as written out of a success.
 */
import type { SourceRecord, WriteRejection } from '../types';
import { parseTimestamp } from './date-format';
import type { StreamDefinition } from './definition';
import { compileGetter, getPath, parseJsonPath } from './json-path';
import type { WriteDefinition, WriteRequestDefinition } from './write-definition';

/** Where APIs commonly put a refusal's details, tried in order when the definition names no path. */
const MESSAGE_PATHS = ['message', 'error.message', 'errors[0].message', 'errors[0].detail', 'error', 'errors[0]', 'detail', 'title', 'error_description'];
const FIELD_PATHS = ['field', 'error.field', 'errors[0].field', 'errors[0].path', 'param'];
const CODE_PATHS = ['code', 'error.code', 'errors[0].code', 'error_code'];

function firstString(body: unknown, explicit: string | undefined, defaults: readonly string[]): string | undefined {
  for (const expr of explicit !== undefined ? [explicit] : defaults) {
    const v = getPath(body, parseJsonPath(expr));
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number') return String(v);
    // Field paths are sometimes given as segments (["address", "city"]).
    if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' || typeof s === 'number')) return v.join('.');
  }
  return undefined;
}

/** The message of a refusal found in a body, or undefined when it holds none. */
function rejectionMessage(body: unknown, write: WriteDefinition): string | undefined {
  return firstString(body, write.error_message_path, MESSAGE_PATHS);
}

/** A refusal of one record, in the API's words (redacted: an API may echo credentials). */
export function rejectionOf(status: number, text: string, write: WriteDefinition, redact: (s: string) => string): WriteRejection {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return rejectionFrom(body, status, write, redact) ?? { message: redact(text.trim().slice(0, 500)) || `HTTP ${status}`, status };
}

export function rejectionFrom(body: unknown, status: number, write: WriteDefinition, redact: (s: string) => string): WriteRejection | undefined {
  const message = rejectionMessage(body, write);
  if (message === undefined) return undefined;
  const field = firstString(body, write.error_field_path, FIELD_PATHS);
  const code = firstString(body, write.error_code_path, CODE_PATHS);
  return { message: redact(message), status, ...(field !== undefined && { field }), ...(code !== undefined && { code }) };
}

/** The id and the record as written, read from one record's answer (the whole body, or one element of a batch's results). */
export function readWritten(answer: unknown, spec: WriteRequestDefinition, stream: StreamDefinition): { id: string | undefined; raw: Record<string, unknown> | undefined } {
  const idPath = spec.id_path !== undefined ? parseJsonPath(spec.id_path) : undefined;
  const recordAt = spec.record_path !== undefined ? parseJsonPath(spec.record_path) : idPath ? idPath.slice(0, -1) : [];
  const found = idPath?.length === 0 && spec.record_path === undefined ? undefined : getPath(answer, recordAt);
  const raw = found !== null && typeof found === 'object' && !Array.isArray(found) ? (found as Record<string, unknown>) : undefined;
  const id = idPath ? getPath(answer, idPath) : stream.primary_key && raw ? compileGetter(stream.primary_key)(raw) : undefined;
  return { id: id === undefined || id === null || id === '' || typeof id === 'object' ? undefined : String(id), raw };
}

/** The record as the stream's reads would give it, under the id the write reported. */
export function sourceRecord(raw: Record<string, unknown>, id: string, stream: StreamDefinition): SourceRecord {
  const modified = stream.incremental ? parseTimestamp(compileGetter(stream.incremental.replication_key)(raw)) : null;
  return { id, lastModifiedAt: modified, isDeleted: false, raw };
}
