/**
 * A local OAuth2 authorization server for the hosted connect: `/authorize` redirects back to the
 * redirect URI with a code (or with error=access_denied when told to deny), `/token` exchanges a
 * code only with the right client credentials (form fields or HTTP Basic), the same redirect URI
 * and a PKCE verifier matching the S256 challenge, once; refresh tokens are left to the OAuthSim,
 * whose token store the API simulators check, so issued tokens work against them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';
import type { OAuthSim } from './oauth-sim';

export interface AuthzServer {
  sim: ApiSimulator;
  authorizeUrl: string;
  tokenUrl: string;
  oauth: OAuthSim;
  /** What the customer does at the consent screen. */
  decision: 'approve' | 'deny';
  /** Answered instead of tokens by the next code exchange (then cleared). */
  failNextExchange: SimResponse | undefined;
  /** Codes exchanged successfully. */
  exchanges: number;
  authorizeRequests(): URLSearchParams[];
  close(): Promise<void>;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  used: boolean;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

export async function startAuthzServer(oauth: OAuthSim, o: { basicAuth?: boolean; extraTokenFields?: () => Record<string, unknown> } = {}): Promise<AuthzServer> {
  const grants = new Map<string, Grant>();
  const error = (status: number, code: string, description: string): SimResponse => ({ status, json: { error: code, error_description: description } });

  const authorize = (req: RecordedRequest): SimResponse => {
    const q = req.query;
    if (q.response_type !== 'code' || q.client_id !== oauth.clientId || !q.redirect_uri) return error(400, 'invalid_request', 'bad authorization request');
    if (q.code_challenge_method !== 'S256' || !q.code_challenge) return error(400, 'invalid_request', 'PKCE S256 required');
    const back = new URL(q.redirect_uri);
    if (server.decision === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied access');
    } else {
      const code = b64url(randomBytes(16));
      grants.set(code, { clientId: q.client_id, redirectUri: q.redirect_uri, challenge: q.code_challenge, used: false });
      back.searchParams.set('code', code);
    }
    if (q.state) back.searchParams.set('state', q.state);
    return { status: 302, headers: { location: back.href } };
  };

  const token = (req: RecordedRequest): SimResponse => {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') === 'refresh_token') return oauth.tokenEndpoint(req);
    if (form.get('grant_type') !== 'authorization_code') return error(400, 'unsupported_grant_type', 'unsupported grant');
    const auth = String(req.headers.authorization ?? '');
    const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':').map(decodeURIComponent) : null;
    if (o.basicAuth && !basic) return error(401, 'invalid_client', 'HTTP Basic client authentication expected');
    const [id, secret] = basic ?? [form.get('client_id'), form.get('client_secret')];
    if (id !== oauth.clientId || secret !== oauth.clientSecret) return error(401, 'invalid_client', 'bad client credentials');
    const failure = server.failNextExchange;
    if (failure) {
      server.failNextExchange = undefined;
      return failure;
    }
    const grant = grants.get(form.get('code') ?? '');
    if (!grant || grant.used) return error(400, 'invalid_grant', 'unknown or used code');
    if (grant.redirectUri !== form.get('redirect_uri')) return error(400, 'invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (b64url(createHash('sha256').update(verifier).digest()) !== grant.challenge) return error(400, 'invalid_grant', 'PKCE verification failed');
    grant.used = true;
    server.exchanges++;
    const refresh = `refresh-${b64url(randomBytes(8))}`;
    oauth.refreshTokens.add(refresh);
    return { json: { access_token: oauth.issue(), token_type: 'bearer', expires_in: 3600, refresh_token: refresh, ...oauth.extra, ...o.extraTokenFields?.() } };
  };

  const sim = await startApiSimulator((req) => {
    if (req.path === '/authorize' && req.method === 'GET') return authorize(req);
    if (req.path === '/token' && req.method === 'POST') return token(req);
    return error(404, 'not_found', req.path);
  });
  const server: AuthzServer = {
    sim,
    authorizeUrl: `${sim.url}/authorize`,
    tokenUrl: `${sim.url}/token`,
    oauth,
    decision: 'approve',
    failNextExchange: undefined,
    exchanges: 0,
    authorizeRequests: () => sim.requests.filter((r) => r.path === '/authorize').map((r) => new URL(r.url, sim.url).searchParams),
    close: () => sim.close(),
  };
  return server;
}
