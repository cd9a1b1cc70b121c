/**
 * Builds the HTTP request for one page of a stream from the definition, the
 * connection's parameters and (for child streams) the parent record's context.
 */
import { ProviderError } from '../errors';
import { tokenPrefix, type AuthDefinition, type ConnectorDefinition, type StreamDefinition } from './definition';
import { formatCursor } from './date-format';
import { setParam, type RequestParts } from './pagination';
import { refLabel, renderString, renderTemplate, type Scope, type VarRef } from './template';
import { ceilToFormat } from './windows';

function missing(ref: VarRef, where: string): ProviderError {
  const hint =
    ref.ns === 'config'
      ? `connection parameter "${ref.name}" is not set`
      : ref.ns === 'parent'
        ? `the parent record has no value for "${ref.name}"`
        : `the record has no field "${ref.name}"`;
  return new ProviderError('configuration', `cannot build ${where}: ${refLabel(ref)} is empty (${hint})`);
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

export function buildBaseUrl(def: ConnectorDefinition, scope: Scope): string {
  const base = renderString(def.base_url, scope);
  if (!base.ok) throw missing(base.missing, 'base_url');
  return base.value;
}

/** `modifiedBefore` (a date window's end, or a backfill's sub-window) is sent only by streams with `end_param`. */
export function buildRequest(def: ConnectorDefinition, stream: StreamDefinition, scope: Scope, modifiedSince: Date | null, modifiedBefore?: Date | null): RequestParts {
  const base = buildBaseUrl(def, scope);
  const path = renderString(stream.path, scope, encodeURIComponent);
  if (!path.ok) throw missing(path.missing, `the path of stream "${stream.id}"`);
  let url: URL;
  try {
    url = new URL(joinUrl(base, path.value));
  } catch {
    throw new ProviderError('configuration', `stream "${stream.id}": "${joinUrl(def.base_url, stream.path)}" does not form a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderError('configuration', `base_url must use http or https, not ${url.protocol}`);
  }

  const parts: RequestParts = { url, headers: {} };
  // Optional variables without a value drop the whole parameter rather than sending an empty one.
  for (const [name, value] of Object.entries(stream.query)) {
    const r = typeof value === 'string' ? renderString(value, scope) : { ok: true as const, value: String(value) };
    if (r.ok) url.searchParams.set(name, r.value);
  }
  for (const [name, value] of Object.entries(stream.headers)) {
    const r = renderString(value, scope);
    if (r.ok) parts.headers[name] = r.value;
  }
  if (stream.method === 'POST') parts.body = stream.body ? (renderBody(stream.body, scope) as Record<string, unknown>) : {};
  applyAuth(def.auth, scope, parts);

  const inc = stream.incremental;
  if (inc && modifiedSince) setParam(parts, inc.location, inc.param, formatCursor(modifiedSince, inc.format));
  // Rounded up to the format's precision: the API returns at least the range, and what lies past it is dropped after.
  if (inc?.end_param && modifiedBefore) setParam(parts, inc.location, inc.end_param, formatCursor(ceilToFormat(modifiedBefore, inc.format), inc.format));
  return parts;
}

const DROP = Symbol('drop');

/** Renders string leaves; an object member whose variable has no value is left out. */
export function renderBody(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const r = renderTemplate(value, scope);
    return r.ok ? r.value : DROP;
  }
  if (Array.isArray(value)) return value.map((v) => renderBody(v, scope)).filter((v) => v !== DROP);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = renderBody(v, scope);
      if (r !== DROP) out[k] = r;
    }
    return out;
  }
  return value;
}

export function applyAuth(auth: AuthDefinition, scope: Scope, parts: RequestParts): void {
  if (auth.type === 'api_key') {
    const v = renderString(auth.value, scope);
    if (!v.ok) return;
    if (auth.location === 'header') parts.headers[auth.name] = v.value;
    else parts.url.searchParams.set(auth.name, v.value);
  } else if (auth.type === 'basic') {
    const user = renderString(auth.username, scope);
    const pass = renderString(auth.password, scope);
    const creds = `${user.ok ? user.value : ''}:${pass.ok ? pass.value : ''}`;
    parts.headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  } else if (auth.type === 'bearer') {
    const t = renderString(auth.token, scope);
    if (t.ok) parts.headers.authorization = `Bearer ${t.value}`;
  } else if (auth.type === 'oauth2') {
    // The connection keeps access_token fresh (OAuthSession) and hands it in as {config.access_token}.
    const token = scope.config.access_token;
    if (typeof token !== 'string' || token === '') return;
    const value = `${tokenPrefix(auth)}${token}`;
    if (auth.token_placement.location === 'header') parts.headers[auth.token_placement.name] = value;
    else parts.url.searchParams.set(auth.token_placement.name, value);
  }
}

/** Every credential value this connection may send, for redaction from errors. */
export function authSecrets(auth: AuthDefinition, scope: Scope): string[] {
  const out: string[] = [];
  const add = (t: string) => {
    const r = renderString(t, scope);
    if (r.ok && r.value) out.push(r.value);
  };
  if (auth.type === 'api_key') add(auth.value);
  if (auth.type === 'bearer') add(auth.token);
  if (auth.type === 'basic') {
    // With an empty password the username usually is the API key.
    add(auth.username);
    add(auth.password);
    const u = renderString(auth.username, scope);
    const p = renderString(auth.password, scope);
    out.push(`${u.ok ? u.value : ''}:${p.ok ? p.value : ''}`);
  }
  return out;
}
