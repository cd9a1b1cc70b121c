/**
 * Builds the ConnectionContext a provider is opened with — decrypted credentials, the
 * provider's OAuth client (for token refresh), the credential lock and the rate limit
 * recorder — for the sync activities, discovery and the provider user id.
 */
import { oauthTokenUrlKey } from '../../lib/config';
import { findConnector } from '../../db/repositories/connectors';
import { openProviderConnection } from '../../providers/registry';
import type { HttpRuntime } from '../../providers/runtime';
import type { ConnectionContext, ConnectorLookup, OAuthClientConfig, ProviderConnection } from '../../providers/types';
import { credentialLockFor } from './credential-lock';
import { loadConnectionWithSecrets, saveConnectionCredentials, type ConnectionWithSecrets } from './connections';
import type { ServiceDeps } from '../deps';
import { loadProviderWithSecrets } from '../catalog/providers';
import { rateLimitRecorder } from './rate-limits';

/** The OAuth client of the connection's provider row, with its secret decrypted; undefined for non-OAuth providers. */
export async function oauthClientFor(
  deps: ServiceDeps,
  applicationId: string,
  conn: Pick<ConnectionWithSecrets, 'providerId' | 'providerName'>,
): Promise<OAuthClientConfig | undefined> {
  const provider = await loadProviderWithSecrets(deps, applicationId, conn.providerId);
  const creds = provider.auth_type === 'oauth2' ? provider.config?.oauth.credentials : undefined;
  if (!creds) return undefined;
  // Sandboxes and simulators: SYNCWELL_OAUTH_TOKEN_URL_<PROVIDER>, via the config.
  const tokenUrl = deps.oauthTokenUrls?.[oauthTokenUrlKey(conn.providerName)];
  return { clientId: creds.oauth_client_id, clientSecret: creds.oauth_client_secret, ...(tokenUrl ? { tokenUrl } : {}) };
}

/** The OAuth client, the cross-process credential lock and the rate limit recorder of a connection. */
async function runtimeContextFor(
  deps: ServiceDeps,
  applicationId: string,
  conn: Pick<ConnectionWithSecrets, 'id' | 'providerId' | 'providerName'>,
): Promise<Pick<ConnectionContext, 'oauth' | 'withCredentialLock' | 'onRateLimitInfo'>> {
  const oauth = await oauthClientFor(deps, applicationId, conn);
  return {
    ...(oauth ? { oauth } : {}),
    withCredentialLock: credentialLockFor(deps.db, deps.secrets, applicationId, conn.id),
    onRateLimitInfo: rateLimitRecorder(deps, applicationId, conn.id),
  };
}

export async function connectionContextFor(deps: ServiceDeps, applicationId: string, connectionId: string): Promise<ConnectionContext> {
  const conn = await loadConnectionWithSecrets(deps, applicationId, connectionId);
  return {
    applicationId,
    customerId: conn.externalCustomerId,
    connectionId: conn.id,
    providerName: conn.providerName,
    params: { ...conn.params, ...(conn.instanceUrl ? { instance_url: conn.instanceUrl } : {}) },
    saveCredentials: (next) => saveConnectionCredentials(deps, applicationId, conn.id, next),
    outboundPolicy: deps.outboundPolicy,
    ...(await runtimeContextFor(deps, applicationId, conn)),
  };
}

/** The application's published connectors, as providers look them up. */
function connectorLookup(deps: ServiceDeps): ConnectorLookup {
  return async (applicationId, providerName) => (await findConnector(deps.db, applicationId, providerName))?.definition;
}

/** `runtime`: the HTTP runtime to use (the deps' when omitted, else the process-wide default). */
export async function openConnectionProvider(deps: ServiceDeps, applicationId: string, connectionId: string, runtime?: HttpRuntime): Promise<ProviderConnection> {
  return openProviderConnection(connectorLookup(deps), await connectionContextFor(deps, applicationId, connectionId), runtime ?? deps.httpRuntime);
}
