/**
 * A local Pipedrive (API v1 under {api_domain}/api/v1): list endpoints with start/limit
 * paging and `sort` (id ASC, update_time DESC), users (unpaged), *Fields metadata, the
 * OAuth token endpoint (HTTP Basic client auth, rotating refresh tokens, api_domain),
 * API-token auth, deleted records dropped from lists but reported by /recents (changes after
 * since_timestamp, { item, id, data }, start/limit paging; `data: null` once nothing is left of
 * an item), 429 with Retry-After on demand, the authorized user (users/me), and x-ratelimit-*
 * headers on every API response.
 * Writes (persons, organizations, deals, activities): POST /{object} (201), PUT /{object}/{id},
 * GET /{object}/{id}, GET /{object}/search (term, fields, exact_match, start/limit), as Pipedrive
 * answers them: references expanded ({ value, name }), emails and phones as { label, value, primary },
 * a person's first/last name from its name, update_time moved to `now()` so the incremental list
 * returns the record; refusals in Pipedrive's envelope ({ success: false, error, error_info, data:
 * null }): 400 for a missing name / title, 404 for an unknown id, 410 for an update of a deleted one.
 * failOnce answers one matching request with a 5xx, before or after carrying it out.
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
/** Writable objects: the item's name in messages, the field a create must give, the fields search may match. */
const WRITABLE: Record<string, { label: string; required?: string; search?: readonly string[] }> = {
  persons: { label: 'Person', required: 'name', search: ['custom_fields', 'email', 'notes', 'phone', 'name'] },
  organizations: { label: 'Organization', required: 'name', search: ['address', 'custom_fields', 'notes', 'name'] },
  deals: { label: 'Deal', required: 'title', search: ['custom_fields', 'notes', 'title'] },
  activities: { label: 'Activity' },
};
const ERROR_INFO = 'Please check developers.pipedrive.com for more information about Pipedrive API.';
const refusal = (status: number, error: string): SimResponse => ({ status, json: { success: false, error, error_info: ERROR_INFO, data: null, additional_data: null } });
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
  /** The clock writes stamp add_time / update_time with (epoch ms). */
  now: () => number;
  /**
   * Answers the next request matching with `status` (default 500) in Pipedrive's envelope; with
   * `processed`, after carrying it out (the answer lost, the write done).
   */
  failOnce(match: (req: RecordedRequest) => boolean, opts?: { status?: number; processed?: boolean }): void;
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
    now: Date.now,
    failOnce: (match, opts = {}) => void faults.push({ match, status: opts.status ?? 500, processed: opts.processed === true }),
    close: () => pd.sim.close(),
  };
  const faults: Array<{ match: (req: RecordedRequest) => boolean; status: number; processed: boolean }> = [];
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

  const userRef = (id: unknown) => {
    const u = [pd.me, ...pd.users].find((x) => String(x.id) === String(id));
    return { id: Number(id), name: u?.name ?? null, email: u?.email ?? null, has_pic: 0, active_flag: true, value: Number(id) };
  };
  const orgRef = (id: unknown) => {
    const o = pd.data.organizations!.get(String(id));
    return { name: o?.name ?? null, people_count: 0, owner_id: 7, address: o?.address ?? null, active_flag: true, cc_email: 'acme@pipedrivemail.com', value: Number(id) };
  };
  const personRef = (id: unknown) => {
    const p = pd.data.persons!.get(String(id));
    return { active_flag: true, name: p?.name ?? null, email: p?.email ?? [], phone: p?.phone ?? [], owner_id: 7, value: Number(id) };
  };
  const ref = (make: (id: unknown) => unknown, v: unknown) => (v === null || v === undefined || v === '' ? null : make(v));
  /** Pipedrive takes a string, a list of strings or of { value, label, primary }; it keeps { label, value, primary }, the first primary unless one is. */
  const contactList = (v: unknown) => {
    const items = (Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v]).map((x) =>
      x && typeof x === 'object' ? { label: x.label ?? 'work', value: String(x.value ?? ''), primary: x.primary === true } : { label: 'work', value: String(x), primary: false },
    );
    if (items.length === 0) return [{ value: '', primary: true }];
    if (!items.some((x) => x.primary)) items[0]!.primary = true;
    return items;
  };
  const ADDRESS_PARTS = ['subpremise', 'street_number', 'route', 'sublocality', 'locality', 'admin_area_level_1', 'admin_area_level_2', 'country', 'postal_code'];

  /** What Pipedrive stores for the fields written: references expanded, lists normalised, names split. */
  const stored = (object: string, body: Record<string, any>, current: PdRecord | undefined, now: string): Record<string, any> => {
    const out: Record<string, any> = { ...body };
    if ('owner_id' in body) out.owner_id = ref(userRef, body.owner_id);
    if ('user_id' in body && object === 'deals') out.user_id = ref(userRef, body.user_id);
    if ('org_id' in body && object !== 'activities') out.org_id = ref(orgRef, body.org_id);
    if ('person_id' in body && object === 'deals') out.person_id = ref(personRef, body.person_id);
    if (object === 'persons') {
      if ('email' in body) out.email = contactList(body.email);
      if ('phone' in body) out.phone = contactList(body.phone);
      if ('name' in body) {
        const [first, ...rest] = String(body.name).split(' ');
        out.first_name = 'first_name' in body ? body.first_name : first || null;
        out.last_name = 'last_name' in body ? body.last_name : rest.length ? rest.join(' ') : null;
      }
    }
    if (object === 'organizations' && 'address' in body) {
      out.address_formatted_address = body.address;
      for (const part of ADDRESS_PARTS) out[`address_${part}`] = body[`address_${part}`] ?? null;
    }
    if (object === 'deals' && 'status' in body && body.status !== current?.status) {
      out.won_time = body.status === 'won' ? now : null;
      out.lost_time = body.status === 'lost' ? now : null;
      out.close_time = body.status === 'won' || body.status === 'lost' ? now : null;
    }
    return out;
  };
  const defaults = (object: string): Record<string, any> => {
    if (object === 'persons') return { active_flag: true, owner_id: userRef(pd.me.id), org_id: null, email: contactList([]), phone: contactList([]), visible_to: '3' };
    if (object === 'organizations') return { active_flag: true, owner_id: userRef(pd.me.id), address: null, visible_to: '3' };
    if (object === 'deals')
      return {
        active: true,
        deleted: false,
        status: 'open',
        value: 0,
        currency: 'EUR',
        stage_id: 1,
        pipeline_id: 1,
        user_id: userRef(pd.me.id),
        org_id: null,
        person_id: null,
        expected_close_date: null,
        close_time: null,
      };
    return { active_flag: true, done: false, type: 'call', subject: 'Call', user_id: pd.me.id, due_date: null };
  };
  const missingRequired = (object: string, body: Record<string, any>, creating: boolean): SimResponse | null => {
    const required = WRITABLE[object]!.required;
    if (!required || (!creating && !(required in body))) return null;
    const v = body[required];
    return v === undefined || v === null || String(v).trim() === '' ? refusal(400, `${required[0]!.toUpperCase()}${required.slice(1)} must be given.`) : null;
  };
  const nextId = (object: string) => {
    const ids = [...pd.data[object]!.keys(), ...pd.deleted[object]!.keys(), ...pd.purged[object]!.keys()].map(Number).filter(Number.isFinite);
    return Math.max(0, ...ids) + 1;
  };
  const stamp = () => pdTime(new Date(pd.now()).toISOString());
  const bodyOf = (req: RecordedRequest) => (req.json && typeof req.json === 'object' ? (req.json as Record<string, any>) : {});

  const create = (object: string, req: RecordedRequest): SimResponse => {
    const body = bodyOf(req);
    const invalid = missingRequired(object, body, true);
    if (invalid) return invalid;
    const now = stamp();
    const { id: _ignored, ...fields } = body;
    const r: PdRecord = { id: nextId(object), ...defaults(object), ...stored(object, fields, undefined, now), add_time: now, update_time: now };
    pd.data[object]!.set(String(r.id), r);
    return { status: 201, json: { success: true, data: r } };
  };
  const update = (object: string, id: string, req: RecordedRequest): SimResponse => {
    const current = pd.data[object]!.get(id);
    const label = WRITABLE[object]!.label;
    if (!current) return pd.deleted[object]!.has(id) ? refusal(410, `${label} has been deleted`) : refusal(404, `${label} not found`);
    const body = bodyOf(req);
    const invalid = missingRequired(object, body, false);
    if (invalid) return invalid;
    const now = stamp();
    const { id: _ignored, ...fields } = body;
    const r: PdRecord = { ...current, ...stored(object, fields, current, now), update_time: now };
    pd.data[object]!.set(id, r);
    return { json: { success: true, data: r } };
  };
  const getOne = (object: string, id: string): SimResponse => {
    const r = pd.data[object]?.get(id) ?? pd.deleted[object]?.get(id) ?? (object === 'users' ? pd.users.find((u) => String(u.id) === id) : undefined);
    return r ? { json: { success: true, data: r } } : refusal(404, `${WRITABLE[object]?.label ?? 'Item'} not found`);
  };
  /** GET /{object}/search: active items whose searched fields equal (exact_match) or contain the term, case-insensitively. */
  const search = (object: string, req: RecordedRequest): SimResponse => {
    const term = (req.query.term ?? '').toLowerCase();
    const exact = req.query.exact_match === 'true';
    if (term.length < (exact ? 1 : 2)) return refusal(400, 'Search term must be at least 2 characters long');
    const allowed = WRITABLE[object]!.search!;
    const fields = (req.query.fields ?? allowed.join(',')).split(',');
    if (fields.some((f) => !allowed.includes(f))) return refusal(400, `Invalid field(s) provided. Allowed fields: ${allowed.join(', ')}`);
    const valuesOf = (r: PdRecord, f: string): string[] =>
      f === 'email' || f === 'phone' ? (r[f] ?? []).map((x: { value: string }) => x.value) : typeof r[f] === 'string' ? [r[f]] : [];
    const hits = [...pd.data[object]!.values()]
      .filter((r) => fields.some((f) => valuesOf(r, f).some((v) => (exact ? v.toLowerCase() === term : v.toLowerCase().includes(term)))))
      .sort((a, b) => Number(a.id) - Number(b.id));
    const start = Number(req.query.start ?? 0);
    const limit = Math.min(Number(req.query.limit ?? 100), 500);
    const page = hits.slice(start, start + limit);
    const more = start + limit < hits.length;
    const owner = (r: PdRecord) => ({ id: Number((r.owner_id ?? r.user_id)?.id ?? r.owner_id ?? r.user_id) });
    const item = (r: PdRecord) =>
      object === 'persons'
        ? {
            id: r.id,
            type: 'person',
            name: r.name,
            phones: valuesOf(r, 'phone').filter(Boolean),
            emails: valuesOf(r, 'email').filter(Boolean),
            visible_to: 3,
            owner: owner(r),
            organization: r.org_id ? { id: r.org_id.value, name: r.org_id.name } : null,
            custom_fields: [],
            notes: [],
          }
        : object === 'organizations'
          ? { id: r.id, type: 'organization', name: r.name, address: r.address ?? null, visible_to: 3, owner: owner(r), custom_fields: [], notes: [] }
          : {
              id: r.id,
              type: 'deal',
              title: r.title,
              value: r.value,
              currency: r.currency,
              status: r.status,
              visible_to: 3,
              owner: owner(r),
              stage: { id: r.stage_id },
              person: null,
              organization: null,
              custom_fields: [],
              notes: [],
            };
    return {
      json: {
        success: true,
        data: { items: page.map((r) => ({ result_score: 1, item: item(r) })) },
        additional_data: { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } },
      },
    };
  };

  /** The write endpoints, or null for a request that is not one. */
  const writes = (req: RecordedRequest): SimResponse | null => {
    const s = /^\/api\/v1\/(\w+)\/search$/.exec(req.path);
    if (s && req.method === 'GET' && WRITABLE[s[1]!]?.search) return search(s[1]!, req);
    const one = /^\/api\/v1\/(\w+)\/([\w-]+)$/.exec(req.path);
    if (one && (pd.data[one[1]!] || one[1] === 'users')) {
      if (req.method === 'GET') return getOne(one[1]!, one[2]!);
      if (req.method === 'PUT' && WRITABLE[one[1]!]) return update(one[1]!, one[2]!, req);
    }
    const list = /^\/api\/v1\/(\w+)$/.exec(req.path);
    if (list && req.method === 'POST' && WRITABLE[list[1]!]) return create(list[1]!, req);
    return null;
  };

  const route = (req: RecordedRequest): SimResponse => {
    if (req.path === '/oauth/token' && req.method === 'POST') return pd.oauth.tokenEndpoint(req);
    const tokenAuth = req.query.api_token === pd.apiToken;
    if (!tokenAuth && pd.oauth.check(req)) return { status: 401, json: { success: false, error: 'unauthorized access', errorCode: 401 } };
    const limited = rateLimit.check(req, { success: false, error: 'Request over limit', errorCode: 429 });
    if (limited) return limited;
    const f = faults.findIndex((x) => x.match(req));
    if (f < 0) return dispatch(req);
    const [fault] = faults.splice(f, 1);
    if (fault!.processed) dispatch(req);
    return { status: fault!.status, json: { success: false, error: 'Internal server error', error_info: ERROR_INFO, data: null, errorCode: fault!.status } };
  };

  const dispatch = (req: RecordedRequest): SimResponse => {
    if (req.path === '/api/v1/users/me') return { json: { success: true, data: pd.me } };
    if (req.path === '/api/v1/recents') return recents(req);
    const written = writes(req);
    if (written) return written;
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
