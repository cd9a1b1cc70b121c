/**
 * A local Pipedrive (API v1 under {api_domain}/api/v1): list endpoints with start/limit
 * paging and `sort` (id ASC, update_time DESC), users (unpaged), *Fields metadata, the
 * OAuth token endpoint (HTTP Basic client auth, rotating refresh tokens, api_domain),
 * API-token auth, deleted records dropped from lists, 429 with Retry-After on demand, the
 * authorized user (users/me), and x-ratelimit-* headers on every API response.
 */
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';
import { createOAuthSim, RateLimiter, type OAuthSim } from './oauth-sim';

export type PdRecord = Record<string, any> & { id: number | string; update_time: string };

export const pdTime = (iso: string) => iso.slice(0, 19).replace('T', ' ');

const FIELDS: Record<string, Array<{ key: string; name: string; field_type: string }>> = {
  personFields: [
    { key: 'id', name: 'ID', field_type: 'int' },
    { key: 'name', name: 'Name', field_type: 'varchar' },
    { key: 'email', name: 'Email', field_type: 'varchar' },
    { key: 'org_id', name: 'Organization', field_type: 'org' },
    { key: 'update_time', name: 'Update time', field_type: 'date' },
  ],
  organizationFields: [{ key: 'name', name: 'Name', field_type: 'varchar' }],
  dealFields: [{ key: 'value', name: 'Value', field_type: 'monetary' }],
  activityFields: [],
  productFields: [],
  noteFields: [],
};
const LISTS = ['persons', 'organizations', 'deals', 'leads', 'activities', 'products', 'notes'];

export interface PipedriveSim {
  sim: ApiSimulator;
  url: string;
  oauth: OAuthSim;
  rateLimit: RateLimiter;
  apiToken: string;
  data: Record<string, Map<string, PdRecord>>;
  users: PdRecord[];
  /** What /users/me answers, whichever credentials are used. */
  me: Record<string, unknown>;
  /** API requests answered so far; the burst window's allowance. */
  apiCalls: number;
  burstLimit: number;
  upsert(object: string, r: PdRecord): void;
  /** Deleted records vanish from Pipedrive's lists. */
  remove(object: string, id: string | number): void;
  requests(path: string): RecordedRequest[];
  close(): Promise<void>;
}

export async function startPipedriveSim(): Promise<PipedriveSim> {
  const rateLimit = new RateLimiter();
  const pd: PipedriveSim = {
    sim: undefined as unknown as ApiSimulator,
    url: '',
    oauth: undefined as unknown as OAuthSim,
    rateLimit,
    apiToken: 'pd-api-token',
    data: Object.fromEntries(LISTS.map((k) => [k, new Map<string, PdRecord>()])),
    users: [],
    me: { id: 7, name: 'Pia Pipe', email: 'pia@example.com', company_id: 1, company_name: 'Acme', company_domain: 'acme', is_admin: true, active_flag: true, timezone_name: 'Europe/Berlin' },
    apiCalls: 0,
    burstLimit: 80,
    upsert: (object, r) => void pd.data[object]!.set(String(r.id), r),
    remove: (object, id) => void pd.data[object]!.delete(String(id)),
    requests: (path) => pd.sim.requests.filter((r) => r.path === path),
    close: () => pd.sim.close(),
  };
  const modified = (r: PdRecord) => Date.parse(/^\d{4}-\d{2}-\d{2} /.test(r.update_time) ? `${r.update_time.replace(' ', 'T')}Z` : r.update_time);

  const route = (req: RecordedRequest): SimResponse => {
    if (req.path === '/oauth/token' && req.method === 'POST') return pd.oauth.tokenEndpoint(req);
    const tokenAuth = req.query.api_token === pd.apiToken;
    if (!tokenAuth && pd.oauth.check(req)) return { status: 401, json: { success: false, error: 'unauthorized access', errorCode: 401 } };
    const limited = rateLimit.check(req, { success: false, error: 'Request over limit', errorCode: 429 });
    if (limited) return limited;

    if (req.path === '/api/v1/users/me') return { json: { success: true, data: pd.me } };
    const m = /^\/api\/v1\/(\w+)$/.exec(req.path);
    if (!m) return { status: 404, json: { success: false, error: 'Unknown method' } };
    const what = m[1]!;
    if (FIELDS[what]) return { json: { success: true, data: FIELDS[what], additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: false } } } };
    if (what === 'users') return { json: { success: true, data: pd.users } };
    if (!pd.data[what]) return { status: 404, json: { success: false, error: 'Unknown method' } };
    let all = [...pd.data[what]!.values()];
    const sort = req.query.sort;
    if (sort === 'update_time DESC') all.sort((a, b) => modified(b) - modified(a) || String(a.id).localeCompare(String(b.id)));
    else if (sort === 'id ASC' || sort === undefined) all.sort((a, b) => Number(a.id) - Number(b.id) || String(a.id).localeCompare(String(b.id)));
    else return { status: 400, json: { success: false, error: `unsupported sort ${sort}` } };
    const start = Number(req.query.start ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 100), 500);
    all = all.slice(start, start + limit);
    const more = start + limit < pd.data[what]!.size;
    return {
      json: {
        success: true,
        data: all.length ? all : null,
        additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } },
      },
    };
  };
  pd.sim = await startApiSimulator((req) => {
    const res = route(req);
    if (!req.path.startsWith('/api/v1/') || res.status === 401) return res;
    const n = ++pd.apiCalls;
    const limits = { 'x-ratelimit-limit': String(pd.burstLimit), 'x-ratelimit-remaining': String(pd.burstLimit - 1 - ((n - 1) % pd.burstLimit)), 'x-ratelimit-reset': '2', 'x-daily-requests-left': String(10_000 - n) };
    return { ...res, headers: { ...res.headers, ...limits } };
  });
  pd.url = pd.sim.url;
  pd.oauth = createOAuthSim({ rotate: true, basicAuth: true, extra: { api_domain: pd.url, scope: 'base' } });
  return pd;
}
