/**
 * What a connection body must carry, which depends on the provider. A declarative connector says it
 * itself: its auth implies the type (every kind it has — none, api_key, basic, bearer — connects as
 * `api_key`) and its parameters are exactly what the connection may set, so a basic-auth connector
 * takes a username and a password, never a dummy api_key. Every other provider keeps the reference's
 * per-provider `oneOf`, where `type` says which credentials are required.
 */
import { SchemaValidationError, type FieldIssue } from '../../lib/errors';
import type { CreateConnectionInput } from './inputs';
import { connectionParameterNames, type ConnectorDefinition } from '../../providers/declarative';

/** Credentials the body may carry at the top level as well as in `params` (they are stored as parameters). */
export const TOP_LEVEL_PARAMS = ['api_key', 'access_key', 'access_key_secret', 'access_token', 'refresh_token', 'login_url'] as const;

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

/** 400 (field-level, like the body schema's) unless the body fits the provider: `connector` when it is a declarative connector. */
export function checkConnectionBody(body: CreateConnectionInput, connector: ConnectorDefinition | undefined): void {
  const problems = connector ? connectorProblems(body, connector) : referenceProblems(body);
  if (problems.length > 0) throw new SchemaValidationError('json', problems);
}

function referenceProblems(body: CreateConnectionInput): FieldIssue[] {
  if (body.type === undefined) {
    return [{ path: 'type', message: `type is required for provider ${body.provider_name} (api_key, access_key_secret or oauth2)`, code: 'custom' }];
  }
  const has = (key: string) => {
    const v = (body as Record<string, unknown>)[key] ?? body.params?.[key];
    return typeof v === 'string' && v.length > 0;
  };
  const missing = (...keys: string[]) => keys.filter((k) => !has(k)).map((k) => ({ path: k, message: `${k} is required for type ${body.type}`, code: 'custom' }));
  if (body.type === 'api_key') return missing('api_key');
  if (body.type === 'access_key_secret') return missing('access_key', 'access_key_secret');
  if (!has('refresh_token') && !has('access_token')) {
    return [{ path: 'refresh_token', message: 'refresh_token (or access_token) is required for type oauth2', code: 'custom' }];
  }
  return [];
}

function connectorProblems(body: CreateConnectionInput, def: ConnectorDefinition): FieldIssue[] {
  const problems: FieldIssue[] = [];
  const type = def.auth.type === 'oauth2' ? 'oauth2' : 'api_key';
  if (body.type !== undefined && body.type !== type) {
    problems.push({ path: 'type', message: `connector ${def.id} (auth ${def.auth.type}) connects with type ${type}; omit type or send ${type}`, code: 'invalid_value' });
  }
  // Where each value came from, so a problem names the field the caller wrote.
  const given = new Map<string, { field: string; value: unknown }>();
  for (const [name, value] of Object.entries(body.params ?? {})) given.set(name, { field: `params.${name}`, value });
  for (const key of TOP_LEVEL_PARAMS) if (body[key] !== undefined) given.set(key, { field: key, value: body[key] });
  // instance_url is a column of its own, handed to the connector as {config.instance_url}.
  if (body.instance_url !== undefined && !given.has('instance_url')) given.set('instance_url', { field: 'instance_url', value: body.instance_url });

  const known = connectionParameterNames(def);
  const declared = def.parameters.map((p) => p.name).join(', ') || 'none';
  for (const [name, { field }] of given) {
    if (known.has(name) || field === 'instance_url') continue;
    problems.push({ path: field, message: `${field} is not a parameter of connector ${def.id} (parameters: ${declared})`, code: 'unknown_parameter' });
  }
  for (const p of def.parameters) {
    if (!p.required || p.default !== undefined || !isAbsent(given.get(p.name)?.value)) continue;
    problems.push({ path: `params.${p.name}`, message: `params.${p.name} is required by connector ${def.id}`, code: 'required_parameter' });
  }
  return problems;
}
