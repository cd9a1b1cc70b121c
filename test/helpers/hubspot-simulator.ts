/**
 * A local HubSpot: CRM v3 objects (list with `after` paging, properties, associations,
 * archived listing), search (hs_lastmodifieddate GTE/GT/LT/LTE/BETWEEN, ascending, 10,000-result
 * cap; requests in flight are the simulator's maxInFlight),
 * custom objects (their schemas at /crm/v3/schemas, 403 without the scope; records under
 * their objectTypeId or fully qualified name, not their bare name),
 * owners (filterable by email), properties, the OAuth token endpoint and access token metadata,
 * 429 with Retry-After on demand (writes too), a 5xx on demand (before or after carrying the request
 * out), X-HubSpot-RateLimit-* headers on every CRM response, and the writes of ./hubspot-simulator-writes.ts.
 */
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';
import { hubspotWriteRoute, type HsRecord } from './hubspot-simulator-writes';

export type { HsRecord };
import { createOAuthSim, RateLimiter, type OAuthSim } from './oauth-sim';

export interface HsOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A custom object's schema as GET /crm/v3/schemas answers it. */
export interface HsSchema {
  id: string;
  objectTypeId: string;
  name: string;
  fullyQualifiedName: string;
  labels: { singular: string; plural: string };
  metaType: 'PORTAL_SPECIFIC';
  primaryDisplayProperty: string;
  requiredProperties: string[];
  searchableProperties: string[];
  secondaryDisplayProperties: string[];
  associations: unknown[];
  properties: Array<{ name: string; label: string; type: string; fieldType: string; hasUniqueValue: boolean; archived: boolean }>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface HubspotSim {
  sim: ApiSimulator;
  url: string;
  oauth: OAuthSim;
  rateLimit: RateLimiter;
  objects: Record<string, Map<string, HsRecord>>;
  owners: Map<string, HsOwner>;
  /** Called when a search request arrives, before it is answered. */
  onSearch?: (object: string) => void;
  /** When each search request was answered (Date.now(), before its latency): search has a rate limit of its own. */
  searchTimes: number[];
  /** Custom properties per object, beyond the standard ones. */
  extraProperties: Record<string, Array<{ name: string; type: string }>>;
  /** Custom object schemas; their records are in `objects` under the objectTypeId. */
  schemas: HsSchema[];
  /** The token lacks crm.schemas.custom.read: GET /crm/v3/schemas answers 403. */
  schemasForbidden: boolean;
  /** Who every access token belongs to (GET /oauth/v1/access-tokens/{token}). */
  tokenUser: { user: string; user_id: number; hub_id: number };
  /** CRM requests answered so far; the daily allowance and the per-10-seconds burst window. */
  apiCalls: number;
  dailyLimit: number;
  burstMax: number;
  /** Properties an upsert can use as idProperty, per object (contacts: email, companies: domain). */
  uniqueProperties: Record<string, string[]>;
  /** Every CRM answer is sent this long after the request was carried out (a slow network: a crash can fall between the two). */
  latencyMs: number;
  /** The next matching CRM request answers `status`; `processed`: only after carrying it out (a reply lost on the way). */
  failOnce(match: (req: RecordedRequest) => boolean, opts?: { status?: number; processed?: boolean }): void;
  /** Defines a custom object (the name's first property is its primary display property). */
  defineCustomObject(def: { objectTypeId: string; name: string; singular: string; plural: string; properties: Array<{ name: string; type: string }> }): HsSchema;
  upsert(object: string, r: Omit<HsRecord, 'createdAt' | 'archived'> & { createdAt?: string; archived?: boolean }): void;
  archive(object: string, id: string, at: string): void;
  requests(path: string, method?: string): RecordedRequest[];
  close(): Promise<void>;
}

const PROPERTIES: Record<string, Array<{ name: string; type: string }>> = {
  contacts: [
    'firstname:string',
    'lastname:string',
    'email:string',
    'phone:string',
    'mobilephone:string',
    'fax:string',
    'hs_additional_emails:string',
    'address:string',
    'city:string',
    'state:string',
    'zip:string',
    'country:string',
    'lifecyclestage:enumeration',
    'hubspot_owner_id:enumeration',
    'associatedcompanyid:number',
    'notes_last_updated:datetime',
    'createdate:datetime',
    'lastmodifieddate:datetime',
  ].map(p),
  companies: [
    'name:string',
    'description:string',
    'industry:enumeration',
    'website:string',
    'domain:string',
    'numberofemployees:number',
    'phone:string',
    'address:string',
    'address2:string',
    'city:string',
    'state:string',
    'zip:string',
    'country:string',
    'lifecyclestage:enumeration',
    'hubspot_owner_id:enumeration',
    'createdate:datetime',
    'hs_lastmodifieddate:datetime',
  ].map(p),
  deals: [
    'dealname:string',
    'description:string',
    'amount:number',
    'dealstage:enumeration',
    'pipeline:enumeration',
    'closedate:datetime',
    'hs_is_closed:bool',
    'hs_is_closed_won:bool',
    'hubspot_owner_id:enumeration',
    'createdate:datetime',
    'hs_lastmodifieddate:datetime',
  ].map(p),
  tickets: ['subject:string', 'createdate:datetime', 'hs_lastmodifieddate:datetime'].map(p),
  products: ['name:string', 'price:number', 'createdate:datetime', 'hs_lastmodifieddate:datetime'].map(p),
  line_items: ['name:string', 'quantity:number', 'createdate:datetime', 'hs_lastmodifieddate:datetime'].map(p),
};
function p(s: string) {
  const [name, type] = s.split(':');
  return { name: name!, type: type! };
}

/** The search filters on the modified property the simulator honours (all of a group's filters apply); BETWEEN is inclusive at both ends. */
const RANGE_OPERATORS: Record<string, (t: number, value: number, high: number) => boolean> = {
  GTE: (t, v) => t >= v,
  GT: (t, v) => t > v,
  LT: (t, v) => t < v,
  LTE: (t, v) => t <= v,
  BETWEEN: (t, v, high) => t >= v && t <= high,
};
const modProp = (object: string) => (object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate');
const isCustom = (object: string) => /^2-\d+$/.test(object);
/** Custom objects carry HubSpot's default properties under hs_ names. */
const createProp = (object: string) => (isCustom(object) ? 'hs_createdate' : 'createdate');
const FIELD_TYPES: Record<string, string> = { string: 'text', number: 'number', bool: 'booleancheckbox', enumeration: 'select', date: 'date', datetime: 'date' };

export async function startHubspotSim(opts: { ttlMs?: number } = {}): Promise<HubspotSim> {
  const oauth = createOAuthSim({ ttlMs: opts.ttlMs ?? 1_800_000 });
  const rateLimit = new RateLimiter();
  const faults: Array<{ match: (req: RecordedRequest) => boolean; status: number; processed: boolean }> = [];
  const hs: HubspotSim = {
    sim: undefined as unknown as ApiSimulator,
    url: '',
    oauth,
    rateLimit,
    objects: Object.fromEntries(Object.keys(PROPERTIES).map((k) => [k, new Map<string, HsRecord>()])),
    owners: new Map(),
    searchTimes: [],
    extraProperties: {},
    schemas: [],
    schemasForbidden: false,
    tokenUser: { user: 'olive@example.com', user_id: 9001, hub_id: 62515 },
    apiCalls: 0,
    dailyLimit: 250_000,
    burstMax: 190,
    uniqueProperties: { contacts: ['email'], companies: ['domain'] },
    latencyMs: 0,
    failOnce(match, opts = {}) {
      faults.push({ match, status: opts.status ?? 500, processed: opts.processed ?? false });
    },
    defineCustomObject(def) {
      const at = '2026-01-01T00:00:00.000Z';
      const props = [{ name: 'hs_object_id', type: 'number' }, { name: 'hs_createdate', type: 'datetime' }, { name: 'hs_lastmodifieddate', type: 'datetime' }, ...def.properties];
      const schema: HsSchema = {
        id: def.objectTypeId.slice(2),
        objectTypeId: def.objectTypeId,
        name: def.name,
        fullyQualifiedName: `p${hs.tokenUser.hub_id}_${def.name}`,
        labels: { singular: def.singular, plural: def.plural },
        metaType: 'PORTAL_SPECIFIC',
        primaryDisplayProperty: def.properties[0]!.name,
        requiredProperties: [def.properties[0]!.name],
        searchableProperties: [def.properties[0]!.name],
        secondaryDisplayProperties: [],
        associations: [],
        properties: props.map((q) => ({ name: q.name, label: q.name, type: q.type, fieldType: FIELD_TYPES[q.type] ?? 'text', hasUniqueValue: false, archived: false })),
        createdAt: at,
        updatedAt: at,
        archived: false,
      };
      hs.schemas.push(schema);
      hs.objects[def.objectTypeId] = new Map();
      return schema;
    },
    upsert(object, r) {
      const prev = hs.objects[object]!.get(r.id);
      const rec: HsRecord = {
        createdAt: prev?.createdAt ?? r.updatedAt,
        archived: false,
        ...r,
        properties: { ...r.properties, [modProp(object)]: r.updatedAt, [createProp(object)]: r.createdAt ?? prev?.createdAt ?? r.updatedAt },
      };
      hs.objects[object]!.set(r.id, rec);
    },
    archive(object, id, at) {
      const r = hs.objects[object]!.get(id)!;
      hs.objects[object]!.set(id, { ...r, archived: true, archivedAt: at, updatedAt: at });
    },
    requests: (path, method) => hs.sim.requests.filter((r) => r.path === path && (!method || r.method === method)),
    close: () => hs.sim.close(),
  };

  const shape = (object: string, r: HsRecord, props: string[] | null, assoc: boolean) => {
    const properties: Record<string, string | null> = { hs_object_id: r.id };
    for (const [k, v] of Object.entries(r.properties)) if (!props || props.includes(k)) properties[k] = v;
    return {
      id: r.id,
      properties,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      archived: r.archived,
      ...(r.archivedAt ? { archivedAt: r.archivedAt } : {}),
      ...(assoc && r.companyId ? { associations: { companies: { results: [{ id: r.companyId, type: `${object.slice(0, -1)}_to_company` }] } } } : {}),
    };
  };

  /** The store of an object named in a path: a standard object's name, or a custom object's objectTypeId or fully qualified name. */
  const objectKey = (segment: string): string | undefined => {
    if (hs.objects[segment]) return segment;
    return hs.schemas.find((s) => s.fullyQualifiedName === segment)?.objectTypeId;
  };
  const propertiesOf = (key: string | undefined) => (!key ? undefined : (PROPERTIES[key] ?? hs.schemas.find((s) => s.objectTypeId === key)?.properties));

  const route = (req: RecordedRequest): SimResponse => {
    if (req.path === '/oauth/v1/token' && req.method === 'POST') return oauth.tokenEndpoint(req);
    const info = /^\/oauth\/v1\/access-tokens\/([^/]+)$/.exec(req.path);
    if (info) {
      // The token is the path: no Authorization needed.
      const token = decodeURIComponent(info[1]!);
      const exp = oauth.tokens.get(token);
      if (exp === undefined || exp <= Date.now())
        return { status: 401, json: { status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'The access token is expired or invalid' } };
      return {
        json: {
          token,
          ...hs.tokenUser,
          hub_domain: 'acme.example',
          scopes: ['oauth', 'crm.objects.contacts.read'],
          app_id: 4242,
          expires_in: Math.round((exp - Date.now()) / 1000),
          token_type: 'access',
        },
      };
    }
    const denied = oauth.check(req);
    if (denied) return { ...denied, json: { status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'The OAuth token used to make this call expired' } };
    const limited = rateLimit.check(req, { status: 'error', category: 'RATE_LIMITS', message: 'You have reached your secondly limit.' });
    if (limited) return limited;
    const i = faults.findIndex((f) => f.match(req));
    const fault = i < 0 ? undefined : faults.splice(i, 1)[0]!;
    const failed: SimResponse | undefined = fault && {
      status: fault.status,
      json: { status: 'error', message: 'internal error', correlationId: '00000000-0000-0000-0000-000000000000' },
    };
    if (fault && !fault.processed) return failed!;
    const res = crm(req);
    return failed ?? res;
  };

  const crm = (req: RecordedRequest): SimResponse => {
    if (req.path === '/crm/v3/schemas') {
      if (hs.schemasForbidden)
        return {
          status: 403,
          json: {
            status: 'error',
            category: 'MISSING_SCOPES',
            message: "This app hasn't been granted all required scopes to make this call.",
            errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: ['crm.schemas.custom.read'] } }],
          },
        };
      return { json: { results: hs.schemas.filter((s) => !s.archived) } };
    }

    let m = /^\/crm\/v3\/properties\/([\w-]+)$/.exec(req.path);
    if (m) {
      const key = objectKey(m[1]!);
      const props = propertiesOf(key);
      return props ? { json: { results: [...props, ...(hs.extraProperties[key!] ?? [])] } } : { status: 404, json: { status: 'error', message: 'Unable to infer object type' } };
    }

    if (req.path === '/crm/v3/owners') {
      const archived = req.query.archived === 'true';
      const all = [...hs.owners.values()].filter((o) => o.archived === archived && (!req.query.email || o.email === req.query.email)).sort((a, b) => a.id.localeCompare(b.id));
      const start = Number(req.query.after ?? 0);
      const limit = Number(req.query.limit ?? 100);
      const page = all.slice(start, start + limit);
      return { json: { results: page, ...(start + limit < all.length ? { paging: { next: { after: String(start + limit) } } } : {}) } };
    }

    m = /^\/crm\/v3\/associations\/(contacts|deals)\/companies\/batch\/read$/.exec(req.path);
    if (m && req.method === 'POST') {
      const inputs = (req.json as { inputs: Array<{ id: string }> }).inputs;
      const results = inputs.flatMap(({ id }) => {
        const r = hs.objects[m![1]!]!.get(id);
        return r?.companyId ? [{ from: { id }, to: [{ id: r.companyId, type: `${m![1]!.slice(0, -1)}_to_company` }] }] : [];
      });
      return { json: { status: 'COMPLETE', results } };
    }

    const written = hubspotWriteRoute(
      {
        objects: hs.objects,
        uniqueProperties: hs.uniqueProperties,
        objectKey,
        propertiesOf: (key) => {
          const props = propertiesOf(key);
          return props && [...props, ...(hs.extraProperties[key] ?? [])];
        },
        shape,
        modProp,
        createProp,
      },
      req,
    );
    if (written) return written;

    m = /^\/crm\/v3\/objects\/([\w-]+)\/batch\/read$/.exec(req.path);
    const batchKey = m && objectKey(m[1]!);
    if (batchKey && req.method === 'POST') {
      const body = req.json as { properties: string[]; inputs: Array<{ id: string }> };
      const archived = req.query.archived === 'true';
      const results = body.inputs.flatMap(({ id }) => {
        const r = hs.objects[batchKey]!.get(id);
        return r && r.archived === archived ? [shape(batchKey, r, body.properties, false)] : [];
      });
      return { json: { status: 'COMPLETE', results } };
    }

    m = /^\/crm\/v3\/objects\/([\w-]+)(\/search)?$/.exec(req.path);
    const object = m && objectKey(m[1]!);
    if (m && object) {
      if (m[2]) hs.onSearch?.(object);
      const store = [...hs.objects[object]!.values()];
      if (m[2]) {
        if (req.method !== 'POST') return { status: 405, json: {} };
        const body = req.json as {
          filterGroups?: Array<{ filters: Array<{ propertyName: string; operator: string; value: string; highValue?: string }> }>;
          sorts?: Array<{ propertyName: string; direction: string }>;
          properties?: string[];
          limit?: number;
          after?: string;
        };
        const filters = body.filterGroups?.[0]?.filters ?? [];
        const bad = filters.find((f) => f.propertyName !== modProp(object) || !(f.operator in RANGE_OPERATORS));
        if (filters.length === 0 || bad) return { status: 400, json: { status: 'error', message: `expected ${modProp(object)} range filters (GTE, LT, BETWEEN)` } };
        if (body.sorts?.[0]?.propertyName !== modProp(object) || body.sorts?.[0]?.direction !== 'ASCENDING')
          return { status: 400, json: { status: 'error', message: 'expected an ascending sort' } };
        hs.searchTimes.push(Date.now());
        const matching = store
          .filter((r) => !r.archived && filters.every((f) => RANGE_OPERATORS[f.operator]!(Date.parse(r.updatedAt), Number(f.value), Number(f.highValue))))
          .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id));
        const start = Number(body.after ?? 0);
        const limit = Math.min(body.limit ?? 10, 200);
        if (start + limit > 10_000) return { status: 400, json: { status: 'error', message: 'Search results are limited to 10,000' } };
        const page = matching.slice(start, start + limit).map((r) => shape(object, r, body.properties ?? null, false));
        return {
          json: {
            total: matching.length,
            results: page,
            ...(start + limit < matching.length ? { paging: { next: { after: String(start + limit) } } } : {}),
          },
        };
      }
      const archived = req.query.archived === 'true';
      const props = req.query.properties ? req.query.properties.split(',') : ['firstname', 'lastname', 'email', 'name', 'dealname'];
      const all = store.filter((r) => r.archived === archived).sort((a, b) => a.id.localeCompare(b.id));
      const start = Number(req.query.after ?? 0);
      const limit = Math.min(Number(req.query.limit ?? 10), 100);
      const page = all.slice(start, start + limit).map((r) => shape(object, r, props, req.query.associations === 'companies'));
      return {
        json: { results: page, ...(start + limit < all.length ? { paging: { next: { after: String(start + limit), link: `${hs.url}${req.path}?after=${start + limit}` } } } : {}) },
      };
    }
    return { status: 404, json: { status: 'error', message: `no route ${req.method} ${req.path}` } };
  };
  hs.sim = await startApiSimulator((req) => {
    const res = route(req);
    if (!req.path.startsWith('/crm/') || res.status === 401) return res;
    const n = ++hs.apiCalls;
    const limits = {
      'x-hubspot-ratelimit-daily': String(hs.dailyLimit),
      'x-hubspot-ratelimit-daily-remaining': String(hs.dailyLimit - n),
      'x-hubspot-ratelimit-max': String(hs.burstMax),
      'x-hubspot-ratelimit-remaining': String(hs.burstMax - 1 - ((n - 1) % hs.burstMax)),
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
    };
    return { ...res, headers: { ...res.headers, ...limits }, ...(hs.latencyMs > 0 ? { delayMs: hs.latencyMs } : {}) };
  });
  hs.url = hs.sim.url;
  return hs;
}
