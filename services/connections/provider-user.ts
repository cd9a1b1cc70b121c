/**
 * The provider user a connection acts as (GET .../_provider_user_id). Asked of the provider the
 * first time, with the connection's credentials (a stale token is refreshed and persisted as
 * during syncs), then served from the connection row: the user behind a connection's
 * credentials does not change while the connection exists.
 */
import { UnprocessableError } from '../../lib/errors';
import type { ProviderUserDetails } from '../../db/database';
import * as repo from '../../db/repositories/connections';
import { ProviderError, UnknownProviderError } from '../../providers/errors';
import type { ProviderUser } from '../../providers/types';
import { getConnectionByHeadersOrThrow, isSecretParam } from './connections';
import type { ServiceDeps } from '../deps';
import { openConnectionProvider } from './provider-context';

/** Provider details minus anything named like a secret, at any depth (HubSpot's token metadata carries the token). */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !isSecretParam(key))
      .map(([key, v]) => [key, withoutSecrets(v)]),
  );
}

const noUser = (providerName: string) =>
  new UnprocessableError(`${providerName} connections have no logged-in user to report (the built-in salesforce, hubspot and pipedrive providers do)`);

async function askProvider(deps: ServiceDeps, applicationId: string, connectionId: string, providerName: string): Promise<ProviderUser> {
  let user: ProviderUser | null;
  try {
    const provider = await openConnectionProvider(deps, applicationId, connectionId);
    if (!provider.loggedInUser) throw noUser(providerName);
    user = await provider.loggedInUser();
  } catch (err) {
    if (err instanceof UnknownProviderError) throw noUser(providerName);
    if (err instanceof ProviderError) throw err.withContext(`asking ${providerName} for the connection's user failed`);
    throw err;
  }
  if (!user) throw new UnprocessableError(`This ${providerName} connection's credentials are not a user's (e.g. a private app token), so there is no logged-in user`);
  return user;
}

function toResponse(userId: string, details: ProviderUserDetails | null) {
  return { user_id: userId, ...details };
}

export async function getProviderUserId(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, externalCustomerId, providerName);
  if (connection.provider_user_id) return toResponse(connection.provider_user_id, connection.provider_user_details);
  const user = await askProvider(deps, applicationId, connection.id, providerName);
  const details: ProviderUserDetails = {
    raw_details: withoutSecrets(user.raw) as Record<string, unknown>,
    ...(user.additionalRaw ? { additional_raw_details: withoutSecrets(user.additionalRaw) as Record<string, unknown> } : {}),
  };
  await repo.updateConnection(deps.db, applicationId, connection.id, { provider_user_id: user.id, provider_user_details: JSON.stringify(details) });
  return toResponse(user.id, details);
}
