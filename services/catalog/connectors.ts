/**
 * Connectors (Syncwell extension): an application's published declarative
 * connector definitions. A connector's id is the provider_name of its
 * connections; definitions are validated with the Connector Builder schema and
 * every problem is reported per field.
 */
import type { Selectable } from 'kysely';
import { ConflictError, NotFoundError, SchemaValidationError } from '../../lib/errors';
import { CRM_PROVIDER_NAMES, ENGAGEMENT_PROVIDER_NAMES } from './provider-inputs';
import type { ConnectorsTable } from '../../db/database';
import type { Db } from '../../db/connection';
import * as repo from '../../db/repositories/connectors';
import * as connections from '../../db/repositories/connections';
import { ConnectorDefinitionError, inferSchema, parseConnectorDefinition, type ConnectorDefinition, type DefinitionIssue, type JSONSchema } from '../../providers/declarative';
import { privateUrlProblem, type OutboundPolicy } from '../../lib/outbound-policy';
import type { ServiceDeps } from '../deps';

type ConnectorRow = Selectable<ConnectorsTable>;

/** Names a connector may not take: they belong to built-in CRM and engagement providers. */
const RESERVED = new Set<string>([...CRM_PROVIDER_NAMES, ...ENGAGEMENT_PROVIDER_NAMES]);

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

export function toConnectorResponse(row: ConnectorRow) {
  const def = row.definition as unknown as ConnectorDefinition;
  return {
    id: row.id,
    application_id: row.application_id,
    name: def.name,
    category: def.category ?? 'no_category',
    definition: row.definition as Record<string, unknown>,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A definition issue with its own code (`invalid_definition` otherwise). */
type FieldIssue = DefinitionIssue & { code?: string };

/** The body's definition fails its schema: one issue per offending field. */
export function definitionValidationError(issues: FieldIssue[]): SchemaValidationError {
  const fields = issues.map((i) => ({ path: i.path, message: i.message, code: i.code ?? 'invalid_definition' }));
  return new SchemaValidationError('json', fields, { summary: 'Invalid connector definition' });
}

/**
 * A base_url whose host is a private address or localhost, under the outbound policy. A templated
 * host (`{config.instance_url}`, `https://{config.subdomain}.example.com`) is only known per
 * connection: the request-time check covers it.
 */
function privateBaseUrl(def: ConnectorDefinition, policy: OutboundPolicy | undefined): FieldIssue | null {
  if (def.base_url.startsWith('{')) return null;
  const problem = privateUrlProblem(policy, def.base_url.replace(/\{[^{}]*\}/g, 'x'));
  return problem ? { path: 'base_url', message: problem, code: 'private_address' } : null;
}

/** Validates a definition for PUT /connectors/{id}: the path id wins when the body has none. */
export function validateDefinition(pathId: string, body: Record<string, unknown>, policy?: OutboundPolicy): ConnectorDefinition {
  const pre: FieldIssue[] = [];
  if (body.id !== undefined && body.id !== pathId) pre.push({ path: 'id', message: `id "${String(body.id)}" differs from the path id "${pathId}" (omit it or make them equal)` });
  if (RESERVED.has(pathId)) pre.push({ path: 'id', message: `"${pathId}" is the name of a built-in provider; choose another connector id` });
  let def: ConnectorDefinition | undefined;
  try {
    def = parseConnectorDefinition({ ...body, id: pathId });
  } catch (err) {
    if (!(err instanceof ConnectorDefinitionError)) throw err;
    // The path id may itself be malformed: report it where the caller put it.
    throw definitionValidationError([...pre, ...err.issues]);
  }
  const blocked = privateBaseUrl(def, policy);
  if (blocked) pre.push(blocked);
  if (pre.length > 0) throw definitionValidationError(pre);
  return def;
}

export async function listConnectors(deps: ServiceDeps, applicationId: string) {
  return (await repo.listConnectors(deps.db, applicationId)).map(toConnectorResponse);
}

export async function getConnector(deps: ServiceDeps, applicationId: string, id: string) {
  const row = await repo.findConnector(deps.db, applicationId, id);
  if (!row) throw new NotFoundError('Connector', `Connector ${id} not found`);
  return toConnectorResponse(row);
}

/** Creates or replaces; `created` says which (201 vs 200). */
export async function putConnector(deps: ServiceDeps, applicationId: string, id: string, body: Record<string, unknown>) {
  const def = validateDefinition(id, body, deps.outboundPolicy);
  const existed = await repo.findConnector(deps.db, applicationId, id);
  const row = await repo.upsertConnector(deps.db, applicationId, id, def as unknown as Record<string, unknown>);
  const secret = def.parameters.filter((p) => p.secret).map((p) => p.name);
  if (existed && secret.length > 0) await encryptNewlySecretParams(deps, applicationId, id, secret);
  return { created: !existed, connector: toConnectorResponse(row) };
}

/** A replaced definition may mark parameters secret that existing connections store in the clear: move them into the encrypted credentials. */
async function encryptNewlySecretParams(deps: ServiceDeps, applicationId: string, providerName: string, secret: string[]): Promise<void> {
  const affected = await connections.listConnectionIdsWithParams(deps.db, applicationId, providerName, secret);
  for (const id of affected) {
    await deps.db.transaction().execute(async (trx) => {
      const row = await connections.findConnectionSecretsForUpdate(trx, applicationId, id);
      if (!row) return;
      const params = { ...(row.params as Record<string, unknown>) };
      const credentials: Record<string, unknown> = row.credentials_encrypted ? deps.secrets.decryptJson(row.credentials_encrypted) : {};
      for (const key of secret) {
        if (!(key in params)) continue;
        credentials[key] ??= params[key];
        delete params[key];
      }
      await connections.updateConnection(trx, applicationId, id, { params: JSON.stringify(params), credentials_encrypted: deps.secrets.encryptJson(credentials) });
    });
  }
}

/** 409 while a connection uses the connector (connections.provider_name = id). */
export async function deleteConnector(deps: ServiceDeps, applicationId: string, id: string): Promise<void> {
  const row = await repo.findConnector(deps.db, applicationId, id);
  if (!row) throw new NotFoundError('Connector', `Connector ${id} not found`);
  await deps.db.transaction().execute(async (trx) => {
    const used = await connections.countConnectionsOfProviderName(trx, applicationId, id);
    if (used > 0) throw new ConflictError(`Connector ${id} is used by ${used} connection(s); delete them first`);
    const res = await repo.deleteConnector(trx, applicationId, id);
    if (!res.numDeletedRows) throw new NotFoundError('Connector', `Connector ${id} not found`);
  });
}

export function inferRecordsSchema(records: Record<string, unknown>[]): JSONSchema {
  return inferSchema(records);
}

/** Whether the application has published a connector with this id. */
export async function connectorExists(db: Db, applicationId: string, id: string): Promise<boolean> {
  return (await repo.findConnector(db, applicationId, id)) !== undefined;
}

/** The application's connector named `providerName`, parsed (so defaults are filled in); undefined when there is none. */
export async function findConnectorDefinition(db: Db, applicationId: string, providerName: string): Promise<ConnectorDefinition | undefined> {
  const row = await repo.findConnector(db, applicationId, providerName);
  return row ? parseConnectorDefinition(row.definition) : undefined;
}
