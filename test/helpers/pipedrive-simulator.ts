/**
 * A local Pipedrive (API v1 under {api_domain}/api/v1): list endpoints with start/limit
 * paging and `sort` (id ASC, update_time DESC), users (unpaged), *Fields metadata, the
 * OAuth token endpoint (HTTP Basic client auth, rotating refresh tokens, api_domain),
 * API-token auth, deleted records dropped from lists but reported by /recents (changes after
 * since_timestamp, { item, id, data }, start/limit paging; `data: null` once nothing is left of
 * an item), 429 with Retry-After on demand, the authorized user (users/me), and x-ratelimit-*
 * headers on every API response.
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
/** Item types of GET /recents and the list each comes from. */
const RECENTS: Record<string, string> = { person: 'persons', organization: 'organizations', deal: 'deals', activity: 'activities', product: 'products', note: 'notes' };

export interface PipedriveSim {
  sim: ApiSimulator;
  url: string;
  oauth: OAuthSim;
  rateLimit: RateLimiter;
  apiToken: string;
  data: Record<string, Map<string, PdRecord>>;
  /** Deleted records (inactive, as Pipedrive keeps them for 30 days) by object. */
  deleted: Record<string, Map<string, PdRecord>>;
  /** Records deleted for good: /recents reports them with `data: null` (id → time of the change). */
  purged: Record<string, Map<string, string>>;
  users: PdRecord[];
  /** What /users/me answers, whichever credentials are used. */
  me: Record<string, unknown>;
  /** API requests answered so far; the burst window's allowance. */
  apiCalls: number;
  burstLimit: number;
  upsert(object: string, r: PdRecord): void;
  /** Deletes a record at `at` (ISO): it vanishes from the lists and /recents reports it inactive. */
  remove(object: string, id: string | number, at: string): void;
  /** Deletes a record for good at `at` (ISO): /recents reports it with `data: null`. */
  purge(object: string, id: string | number, at: string): void;
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
    deleted: Object.fromEntries(LISTS.map((k) => [k, new Map<string, PdRecord>()])),
    purged: Object.fromEntries(LISTS.map((k) => [k, new Map<string, string>()])),
    users: [],
    me: {
      id: 7,
      name: 'Pia Pipe',
      email: 'pia@example.com',
      company_id: 1,
      company_name: 'Acme',
      company_domain: 'acme',
      is_admin: true,
      active_flag: true,
      timezone_name: 'Europe/Berlin',
    },
    apiCalls: 0,
    burstLimit: 80,
    upsert: (object, r) => void pd.data[object]!.set(String(r.id), r),
    remove(object, id, at) {
      const r = pd.data[object]!.get(String(id))!;
      pd.data[object]!.delete(String(id));
      const marks = object === 'deals' ? { status: 'deleted', deleted: true } : { active_flag: false };
      pd.deleted[object]!.set(String(id), { ...r, ...marks, update_time: pdTime(at) });
    },
    purge(object, id, at) {
      pd.data[object]!.delete(String(id));
      pd.deleted[object]!.delete(String(id));
      pd.purged[object]!.set(String(id), at);
    },
    requests: (path) => pd.sim.requests.filter((r) => r.path === path),
    close: () => pd.sim.close(),
  };
  const parseTime = (t: string) => Date.parse(/^\d{4}-\d{2}-\d{2} /.test(t) ? `${t.replace(' ', 'T')}Z` : t);
  const modified = (r: PdRecord) => parseTime(r.update_time);

  /** GET /recents: every listed item type's changes strictly after since_timestamp, oldest first. */
  const recents = (req: RecordedRequest): SimResponse => {
    const since = req.query.since_timestamp;
    if (!since || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(since))
      return { status: 400, json: { success: false, error: 'since_timestamp is required (YYYY-MM-DD HH:MM:SS)' } };
    const types = (req.query.items ?? Object.keys(RECENTS).join(',')).split(',');
    const changes: Array<{ at: number; item: string; id: number | string; data: PdRecord | null }> = [];
    for (const item of types) {
      const list = RECENTS[item];
      if (!list) return { status: 400, json: { success: false, error: `unknown item type ${item}` } };
      for (const r of [...pd.data[list]!.values(), ...pd.deleted[list]!.values()]) changes.push({ at: modified(r), item, id: r.id, data: r });
      for (const [id, at] of pd.purged[list]!) changes.push({ at: Date.parse(at), item, id: Number(id), data: null });
    }
    const after = changes.filter((c) => c.at > parseTime(since)).sort((a, b) => a.at - b.at || String(a.id).localeCompare(String(b.id)));
    const start = Number(req.query.start ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 100), 500);
    const page = after.slice(start, start + limit);
    const more = start + limit < after.length;
    return {
      json: {
        success: true,
        data: page.map(({ item, id, data }) => ({ item, id, data })),
        additional_data: {
          since_timestamp: since,
          last_timestamp_on_page: page.length ? pdTime(new Date(page.at(-1)!.at).toISOString()) : null,
          pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) },
        },
      },
    };
  };

  const route = (req: RecordedRequest): SimResponse => {
    if (req.path === '/oauth/token' && req.method === 'POST') return pd.oauth.tokenEndpoint(req);
    const tokenAuth = req.query.api_token === pd.apiToken;
    if (!tokenAuth && pd.oauth.check(req)) return { status: 401, json: { success: false, error: 'unauthorized access', errorCode: 401 } };
    const limited = rateLimit.check(req, { success: false, error: 'Request over limit', errorCode: 429 });
    if (limited) return limited;

    if (req.path === '/api/v1/users/me') return { json: { success: true, data: pd.me } };
    if (req.path === '/api/v1/recents') return recents(req);
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
    const limits = {
      'x-ratelimit-limit': String(pd.burstLimit),
      'x-ratelimit-remaining': String(pd.burstLimit - 1 - ((n - 1) % pd.burstLimit)),
      'x-ratelimit-reset': '2',
      'x-daily-requests-left': String(10_000 - n),
    };
    return { ...res, headers: { ...res.headers, ...limits } };
  });
  pd.url = pd.sim.url;
  pd.oauth = createOAuthSim({ rotate: true, basicAuth: true, extra: { api_domain: pd.url, scope: 'base' } });
  return pd;
}
