/**
 * Connections: a customer's credentials for one provider. Secrets (api keys, tokens, any
 * secret-looking connector parameter) live only in `credentials_encrypted`, one encrypted
 * JSON blob; the API never returns them. Activities read them through loadConnectionWithSecrets.
 */
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { CreateConnectionInput } from './inputs';
import type { ConnectionWithCustomer } from '../../db/repositories/connections';
import * as repo from '../../db/repositories/connections';
import { checkConnectionBody, TOP_LEVEL_PARAMS } from './params';
import { findConnectorDefinition } from '../catalog/connectors';
import { getCustomerOrThrow } from '../tenants/customers';
import { forgetRateLimits } from './shared-rate-limits';
import type { ServiceDeps } from '../deps';
import { recordEvent } from '../webhooks/events';
import { applyConnectionSyncChanges, deleteSyncSchedules, reconcileConnectionSyncRows, setSyncPaused, triggerSync, type ConnectionSyncChanges } from '../syncs/syncs';
import { listAutoPausedSyncsOfConnection } from '../../db/repositories/syncs';
import type { Db } from '../../db/connection';
import type { ConnectionsTable } from '../../db/database';
import type { Insertable } from 'kysely';
import { isUuid, isUniqueViolation } from '../../lib/ids';

const SECRET_NAMES = new Set(['api_key', 'password', 'token', 'secret', 'access_token', 'refresh_token', 'client_secret', 'access_key', 'access_key_secret']);

/** Which connector parameters are secret (until connectors declare it themselves): known names and *_secret/_password/_token/_api_key. */
export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_NAMES.has(n) || /_(secret|password|token|api_key)$/.test(n);
}

/** Splits the body's credentials and params into what is stored in the clear and what is encrypted. */
export function splitConnectionParams(
  input: CreateConnectionInput,
  /** Parameters the provider's connector declares `secret: true`. */
  secretParams: ReadonlySet<string> = new Set(),
): { params: Record<string, unknown>; credentials: Record<string, unknown> } {
  const all: Record<string, unknown> = { ...input.params };
  for (const key of TOP_LEVEL_PARAMS) {
    if (input[key] !== undefined) all[key] = input[key];
  }
  const params: Record<string, unknown> = {};
  const credentials: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) (isSecretParam(key) || secretParams.has(key) ? credentials : params)[key] = value;
  // Kept with the tokens it describes, so a refresh rewrites both together.
  if (input.expires_at !== undefined) credentials.expires_at = input.expires_at;
  return { params, credentials };
}

export function toConnectionResponse(row: ConnectionWithCustomer) {
  return {
    id: row.id,
    application_id: row.application_id,
    customer_id: row.external_customer_id,
    provider_id: row.provider_id,
    provider_name: row.provider_name,
    category: row.category,
    status: row.status,
    instance_url: row.instance_url,
    ...(row.schema_mappings_config ? { schema_mappings_config: row.schema_mappings_config } : {}),
    ...(row.entity_mappings ? { entity_mappings: row.entity_mappings } : {}),
    ...(row.connection_sync_config ? { connection_sync_config: row.connection_sync_config } : {}),
  } as {
    id: string;
    application_id: string;
    customer_id: string;
    provider_id: string;
    provider_name: string;
    category: string;
    status: string;
    instance_url: string;
    schema_mappings_config?: any;
    entity_mappings?: any[];
    connection_sync_config?: any;
  };
}

/** The connection of a customer (external id) with a provider (name), as x-customer-id / x-provider-name address it. */
export async function getConnectionByHeadersOrThrow(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string): Promise<ConnectionWithCustomer> {
  const row = await repo.findConnectionByCustomerAndProvider(deps.db, applicationId, externalCustomerId, providerName);
  if (!row) throw new NotFoundError('Connection', `No ${providerName} connection for customer ${externalCustomerId}`);
  return row;
}

export async function listConnections(deps: ServiceDeps, applicationId: string, externalCustomerId: string) {
  const customer = await getCustomerOrThrow(deps, applicationId, externalCustomerId);
  return (await repo.listConnectionsForCustomer(deps.db, applicationId, customer.id)).map(toConnectionResponse);
}

export async function getConnection(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string) {
  return toConnectionResponse(await getConnectionByHeadersOrThrow(deps, applicationId, externalCustomerId, providerName));
}

/**
 * Creates the connection, its `connection.created` event and its sync rows in one transaction, then
 * the syncs' schedules (started at once with auto_start_on_connection).
 */
export async function createConnection(
  deps: ServiceDeps,
  applicationId: string,
  externalCustomerId: string,
  input: CreateConnectionInput,
  /** Runs in the creating transaction (the hosted connect consumes its magic link there); throwing creates nothing. */
  inTransaction?: (trx: Db) => Promise<void>,
  /** The integrations API's columns; without them the connection is `live` at once (its creator vouches for it). */
  integration?: Pick<Insertable<ConnectionsTable>, 'integration_state' | 'name' | 'identifier'>,
) {
  const connector = await findConnectorDefinition(deps.db, applicationId, input.provider_name);
  // A body that fits no provider is a 400 before any 404, as when the body schema refuses it.
  checkConnectionBody(input, connector);
  const customer = await getCustomerOrThrow(deps, applicationId, externalCustomerId);
  const provider = await repo.findProviderByName(deps.db, applicationId, input.provider_name);
  if (!provider) throw new NotFoundError('Provider', `Provider ${input.provider_name} not found`);
  const secretParams = new Set(connector?.parameters.filter((p) => p.secret).map((p) => p.name));
  const { params, credentials } = splitConnectionParams(input, secretParams);
  const duplicate = () => new ConflictError(`Customer ${externalCustomerId} already has a ${provider.name} connection`);
  if (await repo.findConnectionByCustomerAndProvider(deps.db, applicationId, externalCustomerId, provider.name)) throw duplicate();

  let id: string;
  let changes: ConnectionSyncChanges;
  try {
    ({ id, changes } = await deps.db.transaction().execute(async (trx) => {
      const row = await repo.insertConnection(trx, {
        application_id: applicationId,
        customer_id: customer.id,
        provider_id: provider.id,
        provider_name: provider.name,
        category: provider.category,
        instance_url: input.instance_url ?? '',
        params: JSON.stringify(params),
        credentials_encrypted: Object.keys(credentials).length ? deps.secrets.encryptJson(credentials) : null,
        ...integration,
      });
      await recordEvent(trx, applicationId, 'connection.created', {
        customer_id: externalCustomerId,
        provider_id: provider.id,
        category: provider.category,
        provider_name: provider.name,
        result: 'SUCCESS',
      });
      await inTransaction?.(trx);
      // Its syncs commit with it: the reconciler repairs missing schedules, never missing sync rows.
      return { id: row.id, changes: await reconcileConnectionSyncRows(trx, applicationId, row.id) };
    }));
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate();
    throw err;
  }
  await applyConnectionSyncChanges(deps, changes);
  const created = await repo.findConnectionById(deps.db, applicationId, id);
  if (!created) throw new NotFoundError('Connection'); // deleted concurrently
  return toConnectionResponse(created);
}

/** Deletes the connection (its syncs cascade) with a `connection.deleted` event, then the syncs' schedules. */
export async function deleteConnection(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string): Promise<void> {
  await removeConnection(deps, applicationId, await getConnectionByHeadersOrThrow(deps, applicationId, externalCustomerId, providerName));
}

/** The delete itself, for the synchronous DELETE and the delete job alike. */
export async function removeConnection(deps: ServiceDeps, applicationId: string, connection: ConnectionWithCustomer): Promise<void> {
  const syncIds = await deps.db.transaction().execute(async (trx) => {
    const ids = await repo.listSyncIdsForConnection(trx, applicationId, connection.id);
    const deleted = await repo.deleteConnection(trx, applicationId, connection.id);
    if (!deleted.numDeletedRows) throw new NotFoundError('Connection'); // a concurrent delete won: one event per change
    await recordEvent(trx, applicationId, 'connection.deleted', {
      connection_id: connection.id,
      customer_id: connection.external_customer_id,
      provider_id: connection.provider_id,
      category: connection.category,
      provider_name: connection.provider_name,
      result: 'SUCCESS',
    });
    return ids;
  });
  await deleteSyncSchedules(deps, syncIds);
  await forgetRateLimits(deps, [connection.id]);
}

/**
 * A re-authorisation (the hosted connect for a customer who already has this connection): the new
 * tokens replace the stored ones, instance_url is updated when given, a `connection.updated` event
 * is recorded, and then the syncs the engine paused after an error no retry could fix (an expired or
 * revoked grant, missing permissions) are resumed and run at once; syncs paused by hand stay paused.
 */
export async function reauthorizeConnection(
  deps: ServiceDeps,
  applicationId: string,
  connectionId: string,
  update: { credentials: Record<string, unknown>; params?: Record<string, unknown>; instanceUrl?: string },
  inTransaction?: (trx: Db) => Promise<void>,
) {
  await deps.db.transaction().execute(async (trx) => {
    // The lock a token refresh holds: a refresh in flight adopts these tokens instead of overwriting them.
    await repo.lockConnectionCredentials(trx, connectionId);
    const row = await repo.findConnectionByIdForUpdate(trx, applicationId, connectionId);
    if (!row) throw new NotFoundError('Connection', `Connection ${connectionId} not found`);
    const previous: Record<string, unknown> = row.credentials_encrypted ? deps.secrets.decryptJson(row.credentials_encrypted) : {};
    // Tokens of the old grant must not outlive it: a refresh token the new grant did not include is dropped.
    const { access_token: _a, refresh_token: _r, expires_at: _e, ...kept } = previous;
    await repo.updateConnection(trx, applicationId, connectionId, {
      credentials_encrypted: deps.secrets.encryptJson({ ...kept, ...update.credentials }),
      ...(update.params ? { params: JSON.stringify({ ...row.params, ...update.params }) } : {}),
      ...(update.instanceUrl !== undefined ? { instance_url: update.instanceUrl } : {}),
    });
    await recordEvent(trx, applicationId, 'connection.updated', {
      connection_id: row.id,
      customer_id: row.external_customer_id,
      provider_id: row.provider_id,
      category: row.category,
      provider_name: row.provider_name,
      result: 'SUCCESS',
    });
    await inTransaction?.(trx);
  });
  for (const sync of await listAutoPausedSyncsOfConnection(deps.db, connectionId)) {
    const resumed = await setSyncPaused(deps, sync, false);
    await triggerSync(deps, resumed, { fullRefresh: false });
  }
  const updated = await repo.findConnectionById(deps.db, applicationId, connectionId);
  if (!updated) throw new NotFoundError('Connection');
  return toConnectionResponse(updated);
}

export interface ConnectionWithSecrets {
  id: string;
  /** Internal uuid of the customer. */
  customerId: string;
  /** The application's id for the customer (`customer_id` in the API and webhooks). */
  externalCustomerId: string;
  providerId: string;
  providerName: string;
  category: string;
  /** Non-secret params and the decrypted credentials, in one object. */
  params: Record<string, unknown>;
  instanceUrl: string;
}

/** For activities: the connection with its credentials decrypted. Never hand this to the API layer. */
export async function loadConnectionWithSecrets(deps: ServiceDeps, applicationId: string, connectionId: string): Promise<ConnectionWithSecrets> {
  const row = isUuid(connectionId) ? await repo.findConnectionById(deps.db, applicationId, connectionId) : undefined;
  if (!row) throw new NotFoundError('Connection', `Connection ${connectionId} not found`);
  const credentials = row.credentials_encrypted ? deps.secrets.decryptJson(row.credentials_encrypted) : {};
  return {
    id: row.id,
    customerId: row.customer_id,
    externalCustomerId: row.external_customer_id,
    providerId: row.provider_id,
    providerName: row.provider_name,
    category: row.category,
    params: { ...row.params, ...credentials },
    instanceUrl: row.instance_url,
  };
}

/**
 * For activities (an OAuth refresh, say): merges `credentials` into the stored ones and re-encrypts.
 * Keys set to null are removed. Row-locked, so two refreshes don't lose each other's writes.
 */
export async function saveConnectionCredentials(deps: ServiceDeps, applicationId: string, connectionId: string, credentials: Record<string, unknown>): Promise<void> {
  if (!isUuid(connectionId)) throw new NotFoundError('Connection', `Connection ${connectionId} not found`);
  await deps.db.transaction().execute(async (trx) => {
    const row = await repo.findConnectionByIdForUpdate(trx, applicationId, connectionId);
    if (!row) throw new NotFoundError('Connection', `Connection ${connectionId} not found`);
    const merged: Record<string, unknown> = row.credentials_encrypted ? deps.secrets.decryptJson(row.credentials_encrypted) : {};
    for (const [key, value] of Object.entries(credentials)) {
      if (value === null) delete merged[key];
      else if (value !== undefined) merged[key] = value;
    }
    await repo.updateConnection(trx, applicationId, connectionId, { credentials_encrypted: deps.secrets.encryptJson(merged) });
  });
}
