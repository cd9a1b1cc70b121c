/**
 * Shared OAuth2 token handling for built-in providers: the access token is refreshed
 * shortly before `expires_at` and when the API answers 401, at most one refresh at a
 * time per connection — in-process (a promise per connection id) and across processes
 * (ctx.withCredentialLock: a Postgres advisory lock, credentials re-read under it, so a
 * token another worker just refreshed is adopted instead of refreshed again). New tokens
 * are persisted encrypted before they are used; a rejected refresh token
 * (`invalid_grant`) is ProviderError('authentication'), which pauses the sync.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ProviderError } from '../errors';
import type { ConnectionContext } from '../types';

export interface OAuthSessionOptions {
  /** Display name in error messages, e.g. "HubSpot". */
  providerLabel: string;
  /** The provider's token endpoint; ctx.oauth.tokenUrl overrides it. */
  tokenUrl: string;
  /** Refresh this long before expires_at (default 2 minutes). */
  skewMs?: number;
  /** Extra credentials to keep from a token response (Salesforce instance_url, Pipedrive api_domain). */
  keepFromResponse?: readonly string[];
  /** How the client authenticates at the token endpoint: form fields (default) or HTTP Basic (Pipedrive). */
  clientAuth?: 'body' | 'basic';
  /** Share one refresh per connection id within the process (default true). */
  inProcessSingleFlight?: boolean;
  now?: () => number;
  fetch?: typeof fetch;
}

/** One refresh per connection id in this process. */
const inflight = new Map<string, Promise<Record<string, unknown>>>();

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function expiresAtMs(creds: Record<string, unknown>): number | null {
  const v = creds.expires_at;
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e12 ? v : v * 1000;
  if (typeof v === 'string' && v !== '') {
    const t = /^\d+$/.test(v) ? Number(v) * (v.length > 12 ? 1 : 1000) : Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

export class OAuthSession {
  private creds: Record<string, unknown>;
  private readonly now: () => number;
  /** Token requests this session made (tests, metrics). */
  tokenRequests = 0;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly opts: OAuthSessionOptions,
  ) {
    this.creds = { ...ctx.params };
    this.now = opts.now ?? Date.now;
  }

  /** Credentials as this session knows them (tokens refreshed in place). */
  get credentials(): Readonly<Record<string, unknown>> {
    return this.creds;
  }

  get canRefresh(): boolean {
    return str(this.creds.refresh_token) !== undefined && this.ctx.oauth !== undefined;
  }

  private isExpired(creds: Record<string, unknown>): boolean {
    const at = expiresAtMs(creds);
    return at !== null && at - (this.opts.skewMs ?? 120_000) <= this.now();
  }

  /** A usable access token, refreshed first when it is missing or about to expire. */
  async accessToken(): Promise<string> {
    const token = str(this.creds.access_token);
    if ((!token || this.isExpired(this.creds)) && this.canRefresh) await this.refresh(token);
    const fresh = str(this.creds.access_token);
    if (!fresh) throw new ProviderError('authentication', `${this.opts.providerLabel} connection has no access token; the customer needs to re-authorize`);
    return fresh;
  }

  /** For HttpClient.onUnauthorized: refresh (unless another caller already did) and return the new header. */
  async onUnauthorized(): Promise<Record<string, string> | null> {
    if (!this.canRefresh) return null;
    await this.refresh(str(this.creds.access_token));
    const token = str(this.creds.access_token);
    return token ? { authorization: `Bearer ${token}` } : null;
  }

  /** Replaces `stale` with a fresh token: shared with concurrent callers, adopted if someone else refreshed. */
  async refresh(stale: string | undefined): Promise<void> {
    const key = this.ctx.connectionId;
    const single = this.opts.inProcessSingleFlight !== false;
    let p = single ? inflight.get(key) : undefined;
    if (!p) {
      p = this.refreshLocked(stale);
      if (single) {
        inflight.set(key, p);
        const clear = () => {
          if (inflight.get(key) === p) inflight.delete(key);
        };
        p.then(clear, clear);
      }
    }
    const next = await p;
    this.creds = { ...this.creds, ...next };
  }

  private async refreshLocked(stale: string | undefined): Promise<Record<string, unknown>> {
    if (this.ctx.withCredentialLock) {
      return this.ctx.withCredentialLock(async (stored) => {
        const storedToken = str(stored.access_token);
        // Another worker refreshed since we loaded the credentials: use its token.
        if (storedToken && storedToken !== stale && !this.isExpired(stored)) return null;
        return this.requestTokens(str(stored.refresh_token) ?? str(this.creds.refresh_token));
      });
    }
    const next = await this.requestTokens(str(this.creds.refresh_token));
    // Persisted before use: a crash after this point must not lose a rotated refresh token.
    await this.ctx.saveCredentials?.(next);
    return next;
  }

  /** POSTs grant_type=refresh_token; returns the credentials to store. */
  private async requestTokens(refreshToken: string | undefined): Promise<Record<string, unknown>> {
    const label = this.opts.providerLabel;
    const client = this.ctx.oauth;
    if (!refreshToken || !client) {
      throw new ProviderError('authentication', `${label} access token expired and the connection has no refresh token; the customer needs to re-authorize`);
    }
    const url = client.tokenUrl ?? this.opts.tokenUrl;
    const basic = this.opts.clientAuth === 'basic';
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...(basic ? {} : { client_id: client.clientId, client_secret: client.clientSecret }),
    });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (basic) headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const doFetch = this.opts.fetch ?? fetch;
    let lastError = '';
    for (let attempt = 1; attempt <= 4; attempt++) {
      this.tokenRequests++;
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers,
          body: form.toString(),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        lastError = (err as Error).message;
        await delay(250 * 2 ** attempt);
        continue;
      }
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON; reported below
      }
      if (res.ok && str(body.access_token)) return this.tokensFrom(body, refreshToken);
      const code = str(body.error) ?? '';
      const description = str(body.error_description) ?? str(body.message) ?? text.slice(0, 200);
      if (res.status === 429 || res.status >= 500) {
        lastError = `HTTP ${res.status}`;
        const retryAfter = Number(res.headers.get('retry-after'));
        await delay(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : 250 * 2 ** attempt);
        continue;
      }
      const safe = redact(`${code ? `${code}: ` : ''}${description}`, [refreshToken, client.clientSecret]);
      if (code === 'invalid_grant' || res.status === 400 || res.status === 401) {
        throw new ProviderError('authentication', `${label} connection needs re-authorization: the token refresh was rejected (${safe})`, { status: res.status });
      }
      throw new ProviderError(res.status === 403 ? 'permission' : 'unknown', `${label} token refresh failed with HTTP ${res.status} (${safe})`, { status: res.status });
    }
    throw new ProviderError('transient', `${label} token refresh failed after 4 attempts (${lastError})`);
  }

  private tokensFrom(body: Record<string, unknown>, usedRefreshToken: string): Record<string, unknown> {
    const next: Record<string, unknown> = {
      access_token: body.access_token,
      // Providers that rotate refresh tokens send a new one; the others keep the old.
      refresh_token: str(body.refresh_token) ?? usedRefreshToken,
      expires_at: typeof body.expires_in === 'number' || typeof body.expires_in === 'string' ? new Date(this.now() + Number(body.expires_in) * 1000).toISOString() : null,
    };
    for (const key of this.opts.keepFromResponse ?? []) if (body[key] !== undefined) next[key] = body[key];
    return next;
  }
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[REDACTED]');
  return out;
}
