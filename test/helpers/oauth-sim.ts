/**
 * The OAuth2 half of the CRM simulators: issues access tokens from refresh tokens
 * (form-encoded grant_type=refresh_token, client id/secret checked), tracks expiry,
 * revokes refresh tokens (invalid_grant) and authorizes API requests.
 */
import type { RecordedRequest, SimResponse } from './http-api-simulator';

export interface OAuthSim {
  clientId: string;
  clientSecret: string;
  /** Valid access tokens → expiry (ms). */
  tokens: Map<string, number>;
  refreshTokens: Set<string>;
  tokenRequests: number;
  /** Extra fields in token responses (instance_url, api_domain). */
  extra: Record<string, unknown>;
  /** Rotate refresh tokens on use (Salesforce doesn't, Pipedrive does). */
  rotate: boolean;
  issue(opts?: { ttlMs?: number; token?: string }): string;
  expire(token: string): void;
  /** Handles POST to the token endpoint. */
  tokenEndpoint(req: RecordedRequest): SimResponse;
  /** null when authorized, else a 401 response. */
  check(req: RecordedRequest): SimResponse | null;
}

export function createOAuthSim(
  o: {
    clientId?: string;
    clientSecret?: string;
    refreshToken?: string;
    ttlMs?: number;
    rotate?: boolean;
    extra?: Record<string, unknown>;
    sendExpiresIn?: boolean;
    basicAuth?: boolean;
  } = {},
): OAuthSim {
  let n = 0;
  const sim: OAuthSim = {
    clientId: o.clientId ?? 'client-id',
    clientSecret: o.clientSecret ?? 'client-secret',
    tokens: new Map(),
    refreshTokens: new Set([o.refreshToken ?? 'refresh-1']),
    tokenRequests: 0,
    extra: o.extra ?? {},
    rotate: o.rotate ?? false,
    issue(opts = {}) {
      const token = opts.token ?? `access-${++n}-${Math.random().toString(36).slice(2, 8)}`;
      sim.tokens.set(token, Date.now() + (opts.ttlMs ?? o.ttlMs ?? 3_600_000));
      return token;
    },
    expire(token) {
      sim.tokens.set(token, 0);
    },
    tokenEndpoint(req) {
      sim.tokenRequests++;
      const form = new URLSearchParams(req.body);
      if (!String(req.headers['content-type']).includes('application/x-www-form-urlencoded'))
        return { status: 400, json: { error: 'invalid_request', error_description: 'form body expected' } };
      const basic = String(req.headers.authorization ?? '').startsWith('Basic ') ? Buffer.from(String(req.headers.authorization).slice(6), 'base64').toString().split(':') : null;
      if (o.basicAuth && !basic) return { status: 401, json: { error: 'invalid_client', error_description: 'HTTP Basic client authentication expected' } };
      const [id, secret] = basic ?? [form.get('client_id'), form.get('client_secret')];
      if (id !== sim.clientId || secret !== sim.clientSecret) return { status: 401, json: { error: 'invalid_client', error_description: 'bad client credentials' } };
      if (form.get('grant_type') !== 'refresh_token') return { status: 400, json: { error: 'unsupported_grant_type' } };
      const rt = form.get('refresh_token') ?? '';
      if (!sim.refreshTokens.has(rt)) return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token revoked or expired' } };
      const ttl = o.ttlMs ?? 3_600_000;
      const access = sim.issue({ ttlMs: ttl });
      let refresh = rt;
      if (sim.rotate) {
        sim.refreshTokens.delete(rt);
        refresh = `refresh-${++n}`;
        sim.refreshTokens.add(refresh);
      }
      return {
        json: {
          access_token: access,
          // Salesforce sends neither expiry nor a refresh token on refresh.
          ...(o.sendExpiresIn === false ? {} : { refresh_token: refresh, expires_in: Math.round(ttl / 1000) }),
          token_type: 'bearer',
          ...sim.extra,
        },
      };
    },
    check(req) {
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      const exp = sim.tokens.get(token);
      if (exp === undefined) return { status: 401, json: { error: 'invalid_token', message: 'unknown access token' } };
      if (exp <= Date.now()) return { status: 401, json: { error: 'expired_token', message: 'access token expired' } };
      return null;
    },
  };
  return sim;
}

/** Requests that answer 429 once (Retry-After in seconds), by predicate. */
export class RateLimiter {
  private pending: Array<{ match: (req: RecordedRequest) => boolean; retryAfter: string }> = [];
  hits = 0;
  once(match: (req: RecordedRequest) => boolean, retryAfter = '1'): void {
    this.pending.push({ match, retryAfter });
  }
  check(req: RecordedRequest, body: unknown = { message: 'rate limited' }): SimResponse | null {
    const i = this.pending.findIndex((p) => p.match(req));
    if (i < 0) return null;
    const [p] = this.pending.splice(i, 1);
    this.hits++;
    return { status: 429, headers: { 'retry-after': p!.retryAfter }, json: body };
  }
}
