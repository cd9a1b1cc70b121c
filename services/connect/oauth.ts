/**
 * The hosted OAuth2 connect: authorization code with PKCE (S256) through oauth4webapi. A start
 * (a magic link's button, or the opted-in GET /oauth/connect) stores the request in oauth_states —
 * PKCE verifier encrypted, return URL, what it connects — and hands the browser only
 * `state = <row id>.<HMAC>`. The callback verifies the MAC in constant time, uses the row once
 * (conditional UPDATE, unexpired), exchanges the code and creates the connection (or, for a
 * customer who has one, re-authorises it), consuming the magic link in the same transaction.
 * Every failure redirects to the return URL with status=error and creates nothing.
 */
import * as oauth from 'oauth4webapi';
import { DomainError, InvalidInputError, NotFoundError, UnprocessableError } from '../../lib/errors';
import { oauthTokenUrlKey } from '../../lib/config';
import { isUuid } from '../../lib/ids';
import { withOutboundPolicy, type OutboundPolicy } from '../../lib/outbound-policy';
import * as states from '../../db/repositories/oauth-states';
import { consumeMagicLink as consumeMagicLinkRow } from '../../db/repositories/magic-links';
import { findConnectionByCustomerAndProvider } from '../../db/repositories/connections';
import { findCustomerById } from '../../db/repositories/customers';
import { builtInOAuthProfile } from '../../providers/registry';
import type { OAuthProfile } from '../../providers/types';
import { findConnectorDefinition } from '../catalog/connectors';
import { getProviderByNameOrThrow, getProviderOrThrow, loadProviderWithSecrets, type ProviderRow } from '../catalog/providers';
import { createConnection, reauthorizeConnection } from '../connections/connections';
import { getCustomerOrThrow } from '../tenants/customers';
import type { ServiceDeps } from '../deps';
import { getMagicLinkForPage, magicLinkUrl, returnUrlWith, type MagicLinkForPage } from './magic-links';

export const OAUTH_CALLBACK_PATH = '/oauth/callback';
const STATE_TTL_MS = 10 * 60_000;
const TOKEN_TIMEOUT_MS = 30_000;

/** The callback cannot tell where the customer came from (no valid state): the route answers with a 400 page. */
export class OAuthCallbackError extends InvalidInputError {}

interface Flow {
  profile: OAuthProfile;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** Declarative connectors: their endpoints are the tenant's choice. */
  outboundPolicy?: OutboundPolicy;
  /** A declarative connector's required parameters without a default: the OAuth flow has no way to collect them. */
  uncollectableParams: string[];
}

/** The provider's OAuth flow: a declarative connector's oauth2 auth, else the built-in's; the client from the provider config. */
async function flowFor(deps: ServiceDeps, applicationId: string, provider: ProviderRow): Promise<Flow> {
  const connector = await findConnectorDefinition(deps.db, applicationId, provider.name);
  let profile: OAuthProfile | undefined;
  let outboundPolicy: OutboundPolicy | undefined;
  const uncollectableParams = connector?.parameters.filter((p) => p.required && p.default === undefined).map((p) => p.name) ?? [];
  if (connector) {
    const auth = connector.auth;
    if (auth.type === 'oauth2') {
      profile = {
        authorizationUrl: auth.authorization_url,
        tokenUrl: auth.token_url,
        clientAuth: auth.client_auth,
        defaultScopes: auth.scopes,
        authorizationParams: auth.authorization_params,
      };
      outboundPolicy = deps.outboundPolicy;
    }
  } else profile = builtInOAuthProfile(provider.name);
  if (!profile) throw new UnprocessableError(`Provider ${provider.name} does not connect with OAuth2`);
  const withSecrets = await loadProviderWithSecrets(deps, applicationId, provider.id);
  const creds = withSecrets.config?.oauth.credentials;
  if (withSecrets.auth_type !== 'oauth2' || !creds?.oauth_client_id || !creds.oauth_client_secret) {
    throw new UnprocessableError(`Provider ${provider.name} has no OAuth client: set auth_type oauth2 and config.oauth.credentials (client id and secret)`);
  }
  // Sandboxes and simulators: SYNCWELL_OAUTH_AUTHORIZE_URL_<PROVIDER> / SYNCWELL_OAUTH_TOKEN_URL_<PROVIDER>.
  const key = oauthTokenUrlKey(provider.name);
  profile = { ...profile, authorizationUrl: deps.oauthAuthorizeUrls?.[key] ?? profile.authorizationUrl, tokenUrl: deps.oauthTokenUrls?.[key] ?? profile.tokenUrl };
  const configured = withSecrets.config?.oauth.oauth_scopes ?? [];
  return {
    profile,
    clientId: creds.oauth_client_id,
    clientSecret: creds.oauth_client_secret,
    scopes: configured.length ? configured : [...(profile.defaultScopes ?? [])],
    uncollectableParams,
    ...(outboundPolicy ? { outboundPolicy } : {}),
  };
}

/** The row id a `state` names, when its MAC is right (constant-time comparison); undefined otherwise. */
function verifyState(deps: ServiceDeps, state: string | null): string | undefined {
  const [id, mac, extra] = (state ?? '').split('.');
  if (!id || !mac || extra !== undefined || !isUuid(id)) return undefined;
  return deps.secrets.verifyMac('oauth-state', id, mac) ? id : undefined;
}

function publicBase(deps: ServiceDeps): string {
  return (deps.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, '');
}

async function authorizationRedirect(
  deps: ServiceDeps,
  flow: Flow,
  request: { applicationId: string; magicLinkId: string | null; customerId: string; providerId: string; returnUrl: string },
): Promise<string> {
  const verifier = oauth.generateRandomCodeVerifier();
  const redirectUri = `${publicBase(deps)}${OAUTH_CALLBACK_PATH}`;
  await states.deleteStaleOAuthStates(deps.db);
  const row = await states.insertOAuthState(deps.db, {
    application_id: request.applicationId,
    magic_link_id: request.magicLinkId,
    customer_id: request.customerId,
    provider_id: request.providerId,
    code_verifier_encrypted: deps.secrets.encrypt(verifier),
    redirect_uri: redirectUri,
    return_url: request.returnUrl,
    expires_at: new Date(Date.now() + STATE_TTL_MS),
  });
  const url = new URL(flow.profile.authorizationUrl);
  for (const [k, v] of Object.entries(flow.profile.authorizationParams ?? {})) url.searchParams.set(k, v);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', flow.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  if (flow.scopes.length) url.searchParams.set('scope', flow.scopes.join(' '));
  url.searchParams.set('state', `${row.id}.${deps.secrets.mac('oauth-state', row.id)}`);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

/** Where a magic link's provider authorizes (the hosted page's Content-Security-Policy lets its form go there); undefined: not OAuth. */
export async function authorizationUrlForLink(deps: ServiceDeps, link: MagicLinkForPage): Promise<string | undefined> {
  try {
    return (await flowFor(deps, link.applicationId, await getProviderOrThrow(deps, link.applicationId, link.providerId))).profile.authorizationUrl;
  } catch (err) {
    if (err instanceof DomainError) return undefined;
    throw err;
  }
}

/**
 * GET /magic-link/{id}/oauth/start: the provider's authorization URL for an open link. A consumed or
 * expired link goes back to its page, which says so.
 */
export async function startMagicLinkOAuth(deps: ServiceDeps, magicLinkId: string): Promise<string> {
  const link = await getMagicLinkForPage(deps, magicLinkId);
  if (link.status !== 'new') return magicLinkUrl(publicBase(deps), link.id);
  const provider = await getProviderOrThrow(deps, link.applicationId, link.providerId);
  const customer = await getCustomerOrThrow(deps, link.applicationId, link.externalCustomerId);
  const flow = await flowFor(deps, link.applicationId, provider);
  if (flow.uncollectableParams.length) return returnUrlWith({ returnUrl: link.returnUrl }, misconfigured(provider.name, flow));
  return authorizationRedirect(deps, flow, {
    applicationId: link.applicationId,
    magicLinkId: link.id,
    customerId: customer.id,
    providerId: provider.id,
    returnUrl: link.returnUrl,
  });
}

/**
 * Before the customer is sent to the provider: the connection could only fail after the code exchange.
 * The error goes back to the application, whose developer can fix the connector.
 */
function misconfigured(providerName: string, flow: Flow): Record<string, string> {
  return {
    status: 'error',
    error: 'connector_misconfigured',
    error_description: `${providerName} cannot be connected through hosted OAuth: its connector requires parameters the OAuth flow does not collect (${flow.uncollectableParams.join(', ')}); give them defaults or connect through the API`,
  };
}

/** Supaglue's GET /oauth/connect query. */
export interface HostedOAuthQuery {
  applicationId: string;
  customerId: string;
  providerName: string;
  returnUrl: string;
  /** Space- or comma-separated scopes instead of the provider config's. */
  scope?: string;
}

/**
 * GET /oauth/connect, for an application that opted in (applications.hosted_oauth_return_origins):
 * 404 otherwise, and a return URL outside the allowed origins is a 400.
 */
export async function startHostedOAuth(deps: ServiceDeps, q: HostedOAuthQuery): Promise<string> {
  const origins = await states.findHostedOAuthOrigins(deps.db, q.applicationId);
  if (!origins) throw new NotFoundError('Application', 'Hosted OAuth connect is not enabled for this application');
  let returnOrigin: string | undefined;
  try {
    const u = new URL(q.returnUrl);
    if (u.protocol === 'https:' || u.protocol === 'http:') returnOrigin = u.origin;
  } catch {
    // reported below
  }
  if (!returnOrigin || !origins.includes(returnOrigin)) throw new InvalidInputError('returnUrl is not one of the origins this application allows for hosted OAuth connect');
  const customer = await getCustomerOrThrow(deps, q.applicationId, q.customerId);
  const provider = await getProviderByNameOrThrow(deps, q.applicationId, q.providerName);
  const flow = await flowFor(deps, q.applicationId, provider);
  if (flow.uncollectableParams.length) return returnUrlWith({ returnUrl: q.returnUrl }, misconfigured(provider.name, flow));
  const scopes = q.scope?.split(/[\s,]+/).filter(Boolean);
  return authorizationRedirect(deps, scopes?.length ? { ...flow, scopes } : flow, {
    applicationId: q.applicationId,
    magicLinkId: null,
    customerId: customer.id,
    providerId: provider.id,
    returnUrl: q.returnUrl,
  });
}

/** Opts an application in to GET /oauth/connect (origins) or out (null). Operators only: see the README for the risk. */
export async function setHostedOAuthConnect(deps: Pick<ServiceDeps, 'db'>, applicationId: string, origins: string[] | null): Promise<void> {
  const normalized = origins?.map((o) => {
    const u = URL.canParse(o) ? new URL(o) : undefined;
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw new InvalidInputError(`${o} is not an http(s) origin`);
    return u.origin;
  });
  if (!isUuid(applicationId) || !(await states.setHostedOAuthOrigins(deps.db, applicationId, normalized ?? null))) {
    throw new NotFoundError('Application', `Application ${applicationId} not found`);
  }
}

const ERROR_CODE = /^[a-z_]{1,64}$/;
const short = (text: string) => (text.length > 300 ? `${text.slice(0, 297)}...` : text);

/** A refusal the callback reports to the return URL. */
class CallbackFailure extends Error {
  constructor(
    readonly code: string,
    description: string,
  ) {
    super(short(description));
  }
}

/** GET /oauth/callback: where to redirect the customer (the return URL, with status=success or status=error). */
export async function completeOAuth(deps: ServiceDeps, callback: URLSearchParams): Promise<string> {
  const stateParam = callback.get('state');
  const id = verifyState(deps, stateParam);
  if (!id) throw new OAuthCallbackError('The authorization response has no valid state: start connecting again from the link you were given');
  const row = await states.useOAuthState(deps.db, id);
  if (!row) {
    const known = await states.findOAuthState(deps.db, id);
    if (!known) throw new OAuthCallbackError('The authorization request is unknown: start connecting again from the link you were given');
    const why = known.used_at ? 'This authorization was already used' : 'This authorization request expired';
    return returnUrlWith({ returnUrl: known.return_url }, { status: 'error', error: 'invalid_state', error_description: `${why}; start connecting again` });
  }
  try {
    return await finish(deps, row, callback, stateParam!);
  } catch (err) {
    if (err instanceof CallbackFailure) return returnUrlWith({ returnUrl: row.return_url }, { status: 'error', error: err.code, error_description: err.message });
    throw err;
  }
}

type StateRow = NonNullable<Awaited<ReturnType<typeof states.useOAuthState>>>;

async function finish(deps: ServiceDeps, row: StateRow, callback: URLSearchParams, state: string): Promise<string> {
  let link: MagicLinkForPage | undefined;
  if (row.magic_link_id) {
    link = await getMagicLinkForPage(deps, row.magic_link_id).catch(() => undefined);
    if (!link || link.status !== 'new') {
      throw new CallbackFailure(
        link?.status === 'consumed' ? 'link_consumed' : 'expired_link',
        link?.status === 'consumed' ? 'This link was already used' : 'This link has expired',
      );
    }
  }
  const provider = await getProviderOrThrow(deps, row.application_id, row.provider_id);
  const flow = await flowFor(deps, row.application_id, provider).catch((err: unknown) => {
    if (err instanceof DomainError) throw new CallbackFailure('server_error', err.message);
    throw err;
  });
  const tokens = await exchangeCode(flow, callback, state, row.redirect_uri, deps.secrets.decrypt(row.code_verifier_encrypted));

  const customer = await customerOf(deps, row);
  const credentials: Record<string, unknown> = { access_token: tokens.access_token };
  if (tokens.refresh_token) credentials.refresh_token = tokens.refresh_token;
  if (typeof tokens.expires_in === 'number') credentials.expires_at = new Date(Date.now() + tokens.expires_in * 1000).toISOString();
  const params: Record<string, unknown> = {};
  for (const k of flow.profile.keepFromResponse ?? []) if (tokens[k] !== undefined) params[k] = tokens[k];
  const instanceField = flow.profile.instanceUrlField;
  const instanceUrl = instanceField && typeof tokens[instanceField] === 'string' ? (tokens[instanceField] as string) : undefined;
  const consumeLink = link
    ? async (trx: typeof deps.db) => {
        if (!(await consumeMagicLinkRow(trx, link.id))) throw new CallbackFailure('expired_link', 'This link expired or was used while you were authorizing');
      }
    : undefined;

  const existing = await findConnectionByCustomerAndProvider(deps.db, row.application_id, customer, provider.name);
  try {
    if (existing) {
      await reauthorizeConnection(
        deps,
        row.application_id,
        existing.id,
        { credentials, ...(Object.keys(params).length ? { params } : {}), ...(instanceUrl !== undefined ? { instanceUrl } : {}) },
        consumeLink,
      );
    } else {
      await createConnection(
        deps,
        row.application_id,
        customer,
        {
          provider_name: provider.name,
          type: 'oauth2',
          ...(credentials as { access_token: string; refresh_token?: string; expires_at?: string }),
          ...(instanceUrl !== undefined ? { instance_url: instanceUrl } : {}),
          ...(Object.keys(params).length ? { params } : {}),
        },
        consumeLink,
      );
    }
  } catch (err) {
    if (err instanceof DomainError) throw new CallbackFailure('connection_failed', err.message);
    throw err;
  }
  return returnUrlWith({ returnUrl: row.return_url }, { status: 'success', customer_id: customer, provider_name: provider.name });
}

/** The customer's external id (customer_id in the API) of a state row. */
async function customerOf(deps: ServiceDeps, row: StateRow): Promise<string> {
  const found = await findCustomerById(deps.db, row.application_id, row.customer_id);
  if (!found) throw new CallbackFailure('server_error', 'The customer was deleted while authorizing');
  return found.external_id;
}

async function exchangeCode(flow: Flow, callback: URLSearchParams, state: string, redirectUri: string, verifier: string): Promise<oauth.TokenEndpointResponse> {
  const as: oauth.AuthorizationServer = {
    issuer: new URL(flow.profile.authorizationUrl).origin,
    authorization_endpoint: flow.profile.authorizationUrl,
    token_endpoint: flow.profile.tokenUrl,
  };
  const client: oauth.Client = { client_id: flow.clientId };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, callback, state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      const code = ERROR_CODE.test(err.error) ? err.error : 'access_denied';
      throw new CallbackFailure(code, err.error_description ?? (code === 'access_denied' ? 'The authorization was declined' : `The provider answered ${code}`));
    }
    throw new CallbackFailure('invalid_request', `The authorization response is not valid: ${(err as Error).message}`);
  }
  const clientAuth = flow.profile.clientAuth === 'basic' ? oauth.ClientSecretBasic(flow.clientSecret) : oauth.ClientSecretPost(flow.clientSecret);
  const policy = flow.outboundPolicy;
  const options: oauth.TokenEndpointRequestOptions = {
    signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    // Sandboxes and local simulators serve plain http; real providers' endpoints are https.
    ...(flow.profile.tokenUrl.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(policy ? { [oauth.customFetch]: (url: string, init: RequestInit) => fetch(url, withOutboundPolicy(policy, init)) } : {}),
  };
  try {
    const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, verifier, options);
    return await oauth.processAuthorizationCodeResponse(as, client, response);
  } catch (err) {
    const e = err as { error?: string; error_description?: string; message?: string };
    const reason = e.error ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}` : (e.message ?? String(err));
    throw new CallbackFailure('token_exchange_failed', `The provider refused the authorization code (${reason.split(flow.clientSecret).join('[REDACTED]')})`);
  }
}
