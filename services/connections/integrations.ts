/**
 * Connections as integrations (the Cycle-style /v1 API; docs/integrations-api.md): a hub is a
 * customer, an integration one of its connections, addressed by its `public_id`; `vendor` is the
 * provider name, `auth` the credentials (write-only), `extra` the other connector parameters, and
 * the definition the connector's catalog entry. A definition that requires verification keeps a new
 * integration (and one whose auth changed) `new` until a verify task succeeds; its syncs start then.
 */
import type { ConnectionWithCustomer } from '../../db/repositories/connections';
import * as repo from '../../db/repositories/connections';
import type { IntegrationState } from '../../db/database';
import { findConnectionByPublicId, findConnectionJobOfCustomer } from '../../db/repositories/integrations';
import { lockConnectionCredentials } from '../../db/repositories/connections';
import { InvalidInputError, NotFoundError, SchemaValidationError, type FieldIssue } from '../../lib/errors';
import { isUuid } from '../../lib/ids';
import type { ConnectorDefinition } from '../../providers/declarative';
import { findConnectorDefinition } from '../catalog/connectors';
import { groupByCategory, listAvailableConnectors, type CatalogEntry } from '../catalog/connector-catalog';
import type { ServiceDeps } from '../deps';
import { toJobResponse, type JobResponse } from '../jobs/jobs';
import { getCustomerOrThrow } from '../tenants/customers';
import { recordEvent } from '../webhooks/events';
import { startConnectionDelete } from './connection-delete-job';
import { createConnection, isSecretParam, splitConnectionParams } from './connections';
import type { CreateConnectionInput } from './inputs';
import type { CreateIntegrationInput, UpdateIntegrationInput } from './integration-inputs';
import { listConnectionsNumbered, type ConnectionFilters } from './list';
import { checkConnectionBody, TOP_LEVEL_PARAMS } from './params';
import { holdSyncsUntilVerified, requiresVerification, startConnectionVerify } from './verify';

const INTEGRATION_ID = /^[a-f0-9]{24}$/;

export interface IntegrationDefinition {
  vendor: string;
  name: string;
  category: CatalogEntry['category'];
  description: string;
  icon?: string;
  auth_type: CatalogEntry['auth_type'];
  source: CatalogEntry['source'];
  supports_write: boolean;
  /** A new integration (or one whose auth changed) stays `new` until a verify task succeeds. */
  requires_verification: boolean;
  fields: { auth: DefinitionField[]; extra: DefinitionField[] };
}

interface DefinitionField {
  name: string;
  caption: string;
  required: boolean;
  description?: string;
}

export interface IntegrationView {
  id: string;
  hub_id: string;
  name: string | null;
  identifier: string;
  vendor: string;
  /** The non-secret parameters; secrets never leave the server. */
  extra: Record<string, unknown>;
  state: IntegrationState;
  state_reason: string | null;
  state_changed_at: string;
  created_at: string;
  updated_at: string;
  definition?: IntegrationDefinition;
}

/** "My Container" → "my-container". */
export function tokenize(text: string): string {
  return (
    text
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'integration'
  );
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

function toView(row: ConnectionWithCustomer, definition?: IntegrationDefinition): IntegrationView {
  return {
    id: row.public_id,
    hub_id: row.external_customer_id,
    name: row.name,
    identifier: row.identifier ?? tokenize(row.name ?? row.provider_name),
    vendor: row.provider_name,
    extra: { ...row.params, ...(row.instance_url ? { instance_url: row.instance_url } : {}) },
    state: row.integration_state,
    state_reason: row.integration_state_reason,
    state_changed_at: iso(row.updated_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    ...(definition ? { definition } : {}),
  };
}

function toDefinition(entry: CatalogEntry, requires: boolean): IntegrationDefinition {
  const field = (p: CatalogEntry['parameters'][number]): DefinitionField => ({
    name: p.name,
    caption: p.label ?? p.name,
    required: p.required,
    ...(p.description ? { description: p.description } : {}),
  });
  const isAuth = (p: CatalogEntry['parameters'][number]) => p.secret || isSecretParam(p.name);
  return {
    vendor: entry.id,
    name: entry.label,
    category: entry.category,
    description: entry.description,
    ...(entry.icon ? { icon: entry.icon } : {}),
    auth_type: entry.auth_type,
    source: entry.source,
    supports_write: entry.supports_write,
    requires_verification: requires,
    fields: { auth: entry.parameters.filter(isAuth).map(field), extra: entry.parameters.filter((p) => !isAuth(p)).map(field) },
  };
}

/** The definitions a hub can create integrations of: catalog entries the application has a provider for. */
async function definitions(deps: ServiceDeps, applicationId: string): Promise<IntegrationDefinition[]> {
  const out: IntegrationDefinition[] = [];
  for (const entry of await listAvailableConnectors(deps, applicationId)) {
    if (!(await repo.findProviderByName(deps.db, applicationId, entry.id))) continue;
    out.push(toDefinition(entry, await requiresVerification(deps, applicationId, entry.id)));
  }
  return out;
}

async function definitionOf(deps: ServiceDeps, applicationId: string, vendor: string): Promise<IntegrationDefinition | undefined> {
  const entry = (await listAvailableConnectors(deps, applicationId)).find((e) => e.id === vendor);
  return entry && toDefinition(entry, await requiresVerification(deps, applicationId, vendor));
}

export async function listAvailableIntegrations(deps: ServiceDeps, applicationId: string): Promise<Record<string, IntegrationDefinition[]>> {
  const defs = await definitions(deps, applicationId);
  const byVendor = new Map(defs.map((d) => [d.vendor, d]));
  const entries = (await listAvailableConnectors(deps, applicationId)).filter((e) => byVendor.has(e.id));
  return Object.fromEntries(groupByCategory(entries).map((g) => [g.category, g.connectors.map((e) => byVendor.get(e.id)!)]));
}

async function withDefinitions(deps: ServiceDeps, applicationId: string, rows: ConnectionWithCustomer[], meta: boolean): Promise<IntegrationView[]> {
  if (!meta) return rows.map((r) => toView(r));
  const cache = new Map<string, IntegrationDefinition | undefined>();
  const out: IntegrationView[] = [];
  for (const r of rows) {
    if (!cache.has(r.provider_name)) cache.set(r.provider_name, await definitionOf(deps, applicationId, r.provider_name));
    out.push(toView(r, cache.get(r.provider_name)));
  }
  return out;
}

async function findOrThrow(deps: ServiceDeps, applicationId: string, hub: string, integrationId: string): Promise<ConnectionWithCustomer> {
  if (!INTEGRATION_ID.test(integrationId)) {
    throw new SchemaValidationError('param', [{ path: 'integrationId', message: 'must be 24 lowercase hex digits (^[a-f0-9]{24}$)', code: 'invalid_string' }]);
  }
  const customer = await getCustomerOrThrow(deps, applicationId, hub);
  const row = await findConnectionByPublicId(deps.db, applicationId, customer.id, integrationId);
  if (!row) throw new NotFoundError('Integration', `Integration ${integrationId} not found`);
  return row;
}

export async function listIntegrations(
  deps: ServiceDeps,
  applicationId: string,
  hub: string,
  filters: ConnectionFilters,
  page: { number: number; size: number },
  meta: boolean,
): Promise<IntegrationView[]> {
  return withDefinitions(deps, applicationId, await listConnectionsNumbered(deps, applicationId, hub, filters, page), meta);
}

export async function getIntegration(deps: ServiceDeps, applicationId: string, hub: string, integrationId: string, meta: boolean): Promise<IntegrationView> {
  return (await withDefinitions(deps, applicationId, [await findOrThrow(deps, applicationId, hub, integrationId)], meta))[0]!;
}

/** The body POST /mgmt/v2/customers/{id}/connections would take for `auth` and `extra`, and where each of its fields came from. */
function connectionBody(vendor: string, connector: ConnectorDefinition | undefined, authType: string, auth: Record<string, unknown>, extra: Record<string, unknown>) {
  const origin = new Map<string, string>();
  for (const k of Object.keys(extra)) origin.set(k, `extra.${k}`);
  for (const k of Object.keys(auth)) origin.set(k, `auth.${k}`);
  const all = { ...extra, ...auth };
  if (connector) return { body: { provider_name: vendor, params: all } as CreateConnectionInput, origin };
  const top: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) ((TOP_LEVEL_PARAMS as readonly string[]).includes(k) || k === 'instance_url' || k === 'expires_at' ? top : params)[k] = v;
  const type = authType === 'oauth2' || authType === 'access_key_secret' ? authType : 'api_key';
  return { body: { provider_name: vendor, type, ...top, params } as CreateConnectionInput, origin };
}

/** A connection body's problems, named as the integration's fields (`auth.api_key`, `extra.base_url`, `vendor`). */
function renamed(err: unknown, origin: Map<string, string>, connector: ConnectorDefinition | undefined): never {
  if (!(err instanceof InvalidInputError) || err.issues.length === 0) throw err;
  const issues: FieldIssue[] = err.issues.map((i) => {
    const name = i.path.replace(/^params\./, '');
    if (i.path === 'type') return { ...i, path: 'vendor' };
    const secret = isSecretParam(name) || connector?.parameters.some((p) => p.name === name && p.secret);
    const path = origin.get(name) ?? `${secret ? 'auth' : 'extra'}.${name}`;
    return { ...i, path, message: i.message.replace(i.path, path) };
  });
  throw new SchemaValidationError('json', issues);
}

export async function createIntegration(deps: ServiceDeps, applicationId: string, hub: string, input: CreateIntegrationInput, meta: boolean): Promise<IntegrationView> {
  const provider = await repo.findProviderByName(deps.db, applicationId, input.vendor);
  if (!provider)
    throw new SchemaValidationError('json', [
      { path: 'vendor', message: `unknown vendor ${input.vendor}: see GET /v1/hubs/current/integrations/available`, code: 'unknown_vendor' },
    ]);
  const connector = await findConnectorDefinition(deps.db, applicationId, input.vendor);
  const { body, origin } = connectionBody(input.vendor, connector, provider.auth_type, input.auth ?? {}, input.extra ?? {});
  const state: IntegrationState = (await requiresVerification(deps, applicationId, input.vendor)) ? 'new' : 'live';
  const name = input.name ?? null;
  let created: { id: string };
  try {
    created = await createConnection(deps, applicationId, hub, body, undefined, { integration_state: state, name, identifier: input.identifier ?? tokenize(name ?? input.vendor) });
  } catch (err) {
    renamed(err, origin, connector);
  }
  const row = await repo.findConnectionById(deps.db, applicationId, created.id);
  if (!row) throw new NotFoundError('Integration');
  return (await withDefinitions(deps, applicationId, [row], meta))[0]!;
}

/**
 * Renames, re-identifies, replaces the credentials (`auth`) or the other parameters (`extra`), with a
 * `connection.updated` event. New credentials send an integration whose definition requires
 * verification back to `new`: they are not checked yet.
 */
export async function updateIntegration(
  deps: ServiceDeps,
  applicationId: string,
  hub: string,
  integrationId: string,
  input: UpdateIntegrationInput,
  meta: boolean,
): Promise<IntegrationView> {
  const row = await findOrThrow(deps, applicationId, hub, integrationId);
  const connector = await findConnectorDefinition(deps.db, applicationId, row.provider_name);
  const provider = await repo.findProviderByName(deps.db, applicationId, row.provider_name);
  const resetState = input.auth !== undefined && (await requiresVerification(deps, applicationId, row.provider_name));
  await deps.db.transaction().execute(async (trx) => {
    await lockConnectionCredentials(trx, row.id);
    const current = await repo.findConnectionByIdForUpdate(trx, applicationId, row.id);
    if (!current) throw new NotFoundError('Integration', `Integration ${integrationId} not found`);
    const changes: Parameters<typeof repo.updateConnection>[3] = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.identifier !== undefined) changes.identifier = input.identifier;
    if (input.auth !== undefined || input.extra !== undefined) {
      const storedCredentials: Record<string, unknown> = current.credentials_encrypted ? deps.secrets.decryptJson(current.credentials_encrypted) : {};
      const auth = input.auth === undefined ? storedCredentials : (input.auth ?? {});
      // instance_url is a column of its own: it changes only with a new `extra`.
      const extra = input.extra === undefined ? current.params : (input.extra ?? {});
      const { body, origin } = connectionBody(row.provider_name, connector, provider?.auth_type ?? 'api_key', auth, extra);
      try {
        checkConnectionBody(body, connector);
      } catch (err) {
        renamed(err, origin, connector);
      }
      const secretParams = new Set(connector?.parameters.filter((p) => p.secret).map((p) => p.name));
      const { params, credentials } = splitConnectionParams(body, secretParams);
      changes.params = JSON.stringify(params);
      changes.credentials_encrypted = Object.keys(credentials).length ? deps.secrets.encryptJson(credentials) : null;
      if (input.extra !== undefined) changes.instance_url = body.instance_url ?? '';
    }
    if (resetState) {
      changes.integration_state = 'new';
      changes.integration_state_reason = null;
    }
    await repo.updateConnection(trx, applicationId, row.id, changes);
    await recordEvent(trx, applicationId, 'connection.updated', {
      connection_id: row.id,
      customer_id: row.external_customer_id,
      provider_id: row.provider_id,
      category: row.category,
      provider_name: row.provider_name,
      result: 'SUCCESS',
    });
  });
  if (resetState) await holdSyncsUntilVerified(deps, row.id);
  return getIntegration(deps, applicationId, hub, integrationId, meta);
}

export async function deleteIntegration(deps: ServiceDeps, applicationId: string, hub: string, integrationId: string): Promise<JobResponse> {
  return startConnectionDelete(deps, applicationId, await findOrThrow(deps, applicationId, hub, integrationId));
}

export async function verifyIntegration(deps: ServiceDeps, applicationId: string, hub: string, integrationId: string): Promise<JobResponse> {
  return startConnectionVerify(deps, applicationId, await findOrThrow(deps, applicationId, hub, integrationId));
}

/** A verify or delete job of one of the hub's integrations. */
export async function getIntegrationJob(deps: ServiceDeps, applicationId: string, hub: string, jobId: string): Promise<JobResponse> {
  const customer = await getCustomerOrThrow(deps, applicationId, hub);
  const row = isUuid(jobId) ? await findConnectionJobOfCustomer(deps.db, applicationId, customer.id, jobId) : undefined;
  if (!row) throw new NotFoundError('Job', `Job ${jobId} not found`);
  return toJobResponse(row);
}
