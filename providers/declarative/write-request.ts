/**
 * Builds a write (or read_one) request from the definition: base_url and the auth of the
 * stream reads, the request's own path, query and headers, and the body of each record.
 */
import { ProviderError } from '../errors';
import type { ConnectorDefinition } from './definition';
import { parseJsonPath } from './json-path';
import { applyAuth, buildBaseUrl, joinUrl, renderBody } from './request';
import { refLabel, renderString, type Scope, type VarRef } from './template';
import type { ReadOneDefinition, WriteRequestDefinition } from './write-definition';

export interface WriteTarget {
  url: URL;
  headers: Record<string, string>;
}

/** A record field the request needs has no value: nothing is sent for that record. */
export class MissingValue {
  constructor(readonly ref: VarRef) {}
}

/** URL and headers; a `{record.…}` or `{target.…}` without a value is a MissingValue, a missing parameter a configuration error. */
export function buildTarget(def: ConnectorDefinition, spec: WriteRequestDefinition | ReadOneDefinition, scope: Scope, what: string): WriteTarget | MissingValue {
  const path = renderString(spec.path, scope, encodeURIComponent);
  if (!path.ok) return missing(path.missing, `the path of ${what}`);
  const base = buildBaseUrl(def, scope);
  let url: URL;
  try {
    url = new URL(joinUrl(base, path.value));
  } catch {
    throw new ProviderError('configuration', `${what}: "${joinUrl(def.base_url, spec.path)}" does not form a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ProviderError('configuration', `base_url must use http or https, not ${url.protocol}`);
  // As in stream reads, an optional variable without a value leaves its parameter out.
  for (const [name, value] of Object.entries(spec.query)) {
    const r = renderString(value, scope);
    if (r.ok) url.searchParams.set(name, r.value);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers)) {
    const r = renderString(value, scope);
    if (r.ok) headers[name] = r.value;
  }
  applyAuth(def.auth, scope, { url, headers });
  return { url, headers };
}

function missing(ref: VarRef, where: string): MissingValue {
  if (ref.ns === 'config') throw new ProviderError('configuration', `cannot build ${where}: ${refLabel(ref)} is empty (connection parameter "${ref.name}" is not set)`);
  return new MissingValue(ref);
}

/** One record's body: the template rendered over it (members without a value left out), or the record itself. */
export function recordBody(spec: WriteRequestDefinition, scope: Scope): unknown {
  return spec.body ? renderBody(spec.body, scope) : scope.record;
}

/** Puts the body under body_path ("data" → {"data": body}). */
export function wrapBody(spec: WriteRequestDefinition, body: unknown): unknown {
  if (spec.body_path === undefined) return body;
  let out = body;
  for (const seg of parseJsonPath(spec.body_path).reverse()) out = { [String(seg)]: out };
  return out;
}
