/**
 * Authorization for built-in providers: an OAuth2 access token kept fresh by an
 * OAuthSession (refresh before expiry and on 401 through the runtime's onUnauthorized
 * hook), or a static token / API key when the connection has no OAuth tokens.
 */
import type { HttpClient, HttpRuntime } from '../runtime';
import type { ConnectionLimits } from '../runtime';
import type { ConnectionContext, RateLimitInfo } from '../types';
import { OAuthSession, type OAuthSessionOptions } from './session';

export interface ProviderAuth {
  session: OAuthSession;
  client: HttpClient;
  /** Headers for the next request (refreshing the token first when it is about to expire). */
  headers(): Promise<Record<string, string>>;
  /** Whether requests carry an OAuth bearer token (vs an API key). */
  readonly usesOAuth: boolean;
}

export function providerAuth(
  ctx: ConnectionContext,
  runtime: HttpRuntime,
  opts: OAuthSessionOptions & {
    limits?: Partial<ConnectionLimits>;
    /** Headers for API-key connections (no access_token / refresh_token); undefined: not supported. */
    apiKeyHeaders?: (apiKey: string) => Record<string, string>;
    /** Reads the provider's rate limit headers, for ctx.onRateLimitInfo; null when a response has none. */
    rateLimitInfo?: (headers: Headers) => RateLimitInfo | null;
  },
): ProviderAuth {
  const session = new OAuthSession(ctx, opts);
  const p = ctx.params;
  const secretValues = ['access_token', 'refresh_token', 'api_key', 'client_secret'].map((k) => p[k]).filter((v): v is string => typeof v === 'string' && v !== '');
  if (ctx.oauth?.clientSecret) secretValues.push(ctx.oauth.clientSecret);
  const usesOAuth = typeof p.access_token === 'string' || typeof p.refresh_token === 'string';
  const client = runtime.client({
    connectionId: ctx.connectionId,
    provider: ctx.providerName,
    secrets: secretValues,
    limits: opts.limits,
    ...(usesOAuth ? { onUnauthorized: () => session.onUnauthorized() } : {}),
    ...(ctx.onRateLimitInfo && opts.rateLimitInfo ? { onResponse: reportRateLimits(opts.rateLimitInfo, ctx.onRateLimitInfo) } : {}),
  });
  return {
    session,
    client,
    usesOAuth,
    async headers() {
      if (usesOAuth) return { authorization: `Bearer ${await session.accessToken()}` };
      const key = typeof p.api_key === 'string' ? p.api_key : undefined;
      if (key && opts.apiKeyHeaders) return opts.apiKeyHeaders(key);
      return { authorization: `Bearer ${await session.accessToken()}` }; // throws: no credentials
    },
  };
}

function reportRateLimits(read: (headers: Headers) => RateLimitInfo | null, report: (info: RateLimitInfo) => void) {
  return (res: { headers: Headers }) => {
    const info = read(res.headers);
    if (info) report(info);
  };
}
