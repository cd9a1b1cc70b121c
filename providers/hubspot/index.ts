/**
 * Built-in HubSpot provider (CRM v3). Full reads list `GET /crm/v3/objects/{object}`
 * with `after` paging, then the archived records (`archived=true`, isDeleted).
 * Incremental reads use `POST /crm/v3/objects/{object}/search` over concurrent windows of
 * hs_lastmodifieddate (GTE from, LT to, sorted ascending), split where a window is too big
 * for one chain or for search's 10,000-result cap, then the archived records (./search.ts);
 * past the cap within one millisecond the run falls back to the full list, filtered by
 * updatedAt. Owners are the users. Common objects: contact, account (companies),
 * opportunity (deals), user (owners). Custom objects are the portal's schemas
 * (`GET /crm/v3/schemas`), read like standard objects through their objectTypeId.
 * The logged-in user is the owner of the OAuth token's user; rate limits come from
 * the X-HubSpot-RateLimit-* headers. Writes are in ./write.ts; readRecord reads one record live.
 */
import { COMMON_LABELS, COMMON_OBJECT_FIELDS, type CommonObject } from '../common-model/model';
import { hubspotAccount, hubspotContact, hubspotOpportunity, hubspotUser } from '../common-model/hubspot';
import { date } from '../common-model/helpers';
import { ProviderError } from '../errors';
import { providerAuth, type ProviderAuth } from '../oauth';
import { intHeader, rateWindow } from '../rate-limit-headers';
import { getDefaultHttpRuntime, type HttpRuntime } from '../runtime';
import { HubspotSearches } from './search';
import { WRITE_BATCH_SIZE, writeHubspot, type HubspotTarget, type HubspotWriteApi } from './write';
import type {
  ConnectionContext,
  JsonValue,
  ObjectDescriptor,
  ObjectField,
  OAuthProfile,
  ProviderConnection,
  ProviderUser,
  RateLimitInfo,
  ReadPageRequest,
  ReadPageResult,
  SourceRecord,
  WriteOutcome,
  WriteRequest,
} from '../types';

export const HUBSPOT_API_URL = 'https://api.hubapi.com';
export const HUBSPOT_OAUTH: OAuthProfile = {
  authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
  tokenUrl: `${HUBSPOT_API_URL}/oauth/v1/token`,
  clientAuth: 'body',
};
const PAGE_SIZE = 100;
/** The HTTP runtime's ceiling per connection; an incremental read's windows use all of its concurrency. */
const LIMITS = { requestsPerSecond: 10, burst: 10, concurrency: 4 };
/** Beyond this, the property list would make the list URL too long: properties come from a batch read instead. */
export const MAX_PROPERTIES_QUERY = 3_000;

export const HUBSPOT_STANDARD_OBJECTS = ['contacts', 'companies', 'deals', 'tickets', 'products', 'line_items'] as const;
const COMMON_TO_OBJECT: Partial<Record<CommonObject, string>> = { contact: 'contacts', account: 'companies', opportunity: 'deals', user: 'owners' };
const ASSOCIATIONS: Record<string, string> = { contacts: 'companies', deals: 'companies' };

/** A custom object's schema, as `GET /crm/v3/schemas` describes it. */
type HsSchema = {
  name: string;
  objectTypeId: string;
  fullyQualifiedName?: string;
  labels?: { singular?: string; plural?: string };
  properties?: Array<{ name: string; type?: string }>;
};

type HsObject = {
  id: string;
  properties?: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  archivedAt?: string;
  associations?: Record<string, { results?: Array<{ id: string }> }>;
};

/** A list read's state; incremental reads are searches until their archived phase (./search.ts). */
interface HsState {
  mode: 'list';
  phase: 'active' | 'archived';
  after: string | null;
  /** Lower bound (ms) of an incremental read. */
  since: number | null;
}

/** What a request needs to be cancelled and to report its waits. */
type RequestOptions = Pick<ReadPageRequest, 'signal' | 'onWait'>;

const modifiedProperty = (object: string) => (object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate');

function fieldType(t: string | undefined): Pick<ObjectField, 'type' | 'format'> {
  if (t === 'number') return { type: 'number' };
  if (t === 'bool' || t === 'boolean') return { type: 'boolean' };
  // Schema definitions are documented with dateTime; the properties API answers datetime.
  if (t === 'datetime' || t === 'dateTime') return { type: 'string', format: 'date-time' };
  if (t === 'date') return { type: 'string', format: 'date' };
  return { type: 'string' };
}

/** The fields of a raw record (see toRecord): id, the properties, the timestamps and archived. */
function objectFields(props: Array<{ name: string; type?: string }>): ObjectField[] {
  return [
    { name: 'id', type: 'string', nullable: false },
    ...props.map((p) => ({ name: p.name, nullable: true, ...fieldType(p.type) })),
    { name: 'createdAt', type: 'string', nullable: false, format: 'date-time' },
    { name: 'updatedAt', type: 'string', nullable: false, format: 'date-time' },
    { name: 'archived', type: 'boolean', nullable: false },
  ];
}

/**
 * The daily limit (X-HubSpot-RateLimit-Daily[-Remaining]) and the burst windows: Max/Remaining per
 * Interval-Milliseconds (`other.per_10s`) and Secondly[-Remaining] (`other.per_1s`). HubSpot
 * resets the daily limit at midnight in the account's time zone, which the headers don't say.
 */
export function hubspotRateLimits(headers: Headers): RateLimitInfo | null {
  const h = (name: string) => intHeader(headers, `x-hubspot-ratelimit-${name}`);
  const daily = rateWindow(h('daily'), h('daily-remaining'));
  const other: NonNullable<RateLimitInfo['other']> = {};
  const interval = h('interval-milliseconds');
  const burst = rateWindow(h('max'), h('remaining'));
  if (burst && interval) other[interval % 1000 === 0 ? `per_${interval / 1000}s` : `per_${interval}ms`] = burst;
  const secondly = rateWindow(h('secondly'), h('secondly-remaining'));
  if (secondly) other.per_1s = secondly;
  if (!daily && Object.keys(other).length === 0) return null;
  return { ...(daily ? { daily } : {}), ...(Object.keys(other).length ? { other } : {}) };
}

export function createHubspotConnection(ctx: ConnectionContext, runtime: HttpRuntime = getDefaultHttpRuntime()): ProviderConnection {
  return new HubspotConnection(ctx, runtime);
}

class HubspotConnection implements ProviderConnection {
  private readonly base: string;
  private readonly auth: ProviderAuth;
  private readonly properties = new Map<string, Promise<Array<{ name: string; type?: string }>>>();
  private schemas: Promise<HsSchema[]> | undefined;
  /** Records per request (HubSpot's maximum, 100, unless the connection's page_size asks for fewer). */
  private readonly pageSize: number;
  private readonly searches: HubspotSearches;

  constructor(ctx: ConnectionContext, runtime: HttpRuntime) {
    this.base = String(ctx.params.instance_url || HUBSPOT_API_URL).replace(/\/+$/, '');
    this.pageSize = Math.min(PAGE_SIZE, Math.max(1, Math.trunc(Number(ctx.params.page_size)) || PAGE_SIZE));
    this.searches = new HubspotSearches(runtime, ctx.connectionId);
    this.auth = providerAuth(ctx, runtime, {
      providerLabel: 'HubSpot',
      tokenUrl: `${this.base}/oauth/v1/token`,
      limits: LIMITS,
      // Private app access tokens are bearer tokens too.
      apiKeyHeaders: (key) => ({ authorization: `Bearer ${key}` }),
      rateLimitInfo: hubspotRateLimits,
    });
  }

  private async get(path: string, query: Record<string, string | undefined>, req?: RequestOptions): Promise<any> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const res = await this.auth.client.request({ url, headers: await this.auth.headers(), signal: req?.signal, onWait: req?.onWait });
    return parse(res.body, `GET ${path}`);
  }

  private async post(path: string, json: unknown, req: RequestOptions): Promise<any> {
    const res = await this.auth.client.request({ method: 'POST', url: `${this.base}${path}`, json, headers: await this.auth.headers(), signal: req.signal, onWait: req.onWait });
    return parse(res.body, `POST ${path}`);
  }

  /** Property definitions of an object (cached for the life of this connection). */
  private propertiesOf(object: string, req?: RequestOptions): Promise<Array<{ name: string; type?: string }>> {
    let p = this.properties.get(object);
    if (!p) {
      p = this.get(`/crm/v3/properties/${encodeURIComponent(object)}`, {}, req).then((body) => (Array.isArray(body?.results) ? body.results : []));
      p.catch(() => this.properties.delete(object));
      this.properties.set(object, p);
    }
    return p;
  }

  /** The portal's custom object schemas (cached for the life of this connection). */
  private customSchemas(req?: RequestOptions): Promise<HsSchema[]> {
    if (!this.schemas) {
      this.schemas = this.get('/crm/v3/schemas', {}, req).then((body) => (Array.isArray(body?.results) ? body.results : []));
      this.schemas.catch(() => (this.schemas = undefined));
    }
    return this.schemas;
  }

  /**
   * The objectTypeId of a custom object named by its name, fully qualified name or objectTypeId:
   * the objects API takes only the latter two, and a sync config names the object as the customer knows it.
   */
  private async customObjectType(object: string, req: RequestOptions): Promise<string> {
    // Already an objectTypeId: no need for the schemas (nor their scope, crm.schemas.custom.read).
    if (/^\d+-\d+$/.test(object)) return object;
    const schemas = await this.customSchemas(req);
    const schema = schemas.find((s) => s.name === object || s.fullyQualifiedName === object);
    if (!schema) throw new ProviderError('configuration', `HubSpot has no custom object "${object}" (it has ${schemas.map((s) => s.name).join(', ') || 'none'})`);
    return schema.objectTypeId;
  }

  async listObjects(): Promise<ObjectDescriptor[]> {
    const out: ObjectDescriptor[] = [];
    for (const [common, object] of Object.entries(COMMON_TO_OBJECT) as Array<[CommonObject, string]>) {
      out.push({ name: common, objectType: 'common', label: COMMON_LABELS[common], supportsIncremental: object !== 'owners', fields: COMMON_OBJECT_FIELDS[common] });
    }
    for (const object of HUBSPOT_STANDARD_OBJECTS) {
      out.push({ name: object, objectType: 'standard', label: object, supportsIncremental: true, fields: objectFields(await this.propertiesOf(object)) });
    }
    let schemas: HsSchema[] = [];
    try {
      schemas = await this.customSchemas();
    } catch (err) {
      // Without crm.schemas.custom.read (or custom objects in the portal's plan) the schemas are
      // forbidden: the connection then has no custom objects to offer, but everything else stands.
      if (!(err instanceof ProviderError && err.kind === 'permission')) throw err;
    }
    for (const s of schemas) {
      out.push({
        name: s.name,
        objectType: 'custom',
        label: s.labels?.plural ?? s.labels?.singular ?? s.name,
        supportsIncremental: true,
        fields: objectFields(s.properties ?? []),
      });
    }
    return out;
  }

  /**
   * The V3 owner of the token's user: the token's metadata names the user (email and user id),
   * the owners list (filtered by that email) has the owner whose userId it is. A private app
   * token acts as the app, not as a user: null.
   */
  async loggedInUser(): Promise<ProviderUser | null> {
    if (!this.auth.usesOAuth) return null;
    const token = await this.tokenInfo();
    const email = typeof token?.user === 'string' ? token.user : undefined;
    const owners = email ? await this.get('/crm/v3/owners', { email, limit: String(PAGE_SIZE) }) : {};
    const owner = (Array.isArray(owners?.results) ? owners.results : []).find((o: { userId?: unknown }) => o.userId !== undefined && String(o.userId) === String(token?.user_id));
    if (!owner?.id) throw new ProviderError('configuration', `HubSpot user ${String(token?.user_id)} of account ${String(token?.hub_id)} is not an owner`);
    return { id: String(owner.id), raw: token, additionalRaw: owner };
  }

  /** GET /oauth/v1/access-tokens/{token}. The token is in the path, so a 401 answered by a refresh is asked again with the new one. */
  private async tokenInfo(): Promise<any> {
    const token = await this.auth.session.accessToken();
    const ask = (t: string) => this.get(`/oauth/v1/access-tokens/${encodeURIComponent(t)}`, {});
    try {
      return await ask(token);
    } catch (err) {
      const fresh = this.auth.session.credentials.access_token;
      if (err instanceof ProviderError && err.status === 401 && typeof fresh === 'string' && fresh !== token) return ask(fresh);
      throw err;
    }
  }

  /** The objects API's name of an object (a custom object's objectTypeId) and the common object it is read as. */
  private async targetOf(req: Pick<ReadPageRequest, 'object' | 'objectType' | 'signal' | 'onWait'>): Promise<HubspotTarget> {
    const common = req.objectType === 'common' ? (req.object as CommonObject) : undefined;
    const object = common ? COMMON_TO_OBJECT[common] : req.objectType === 'custom' ? await this.customObjectType(req.object, req) : req.object;
    if (!object) throw new ProviderError('configuration', `HubSpot has no common object "${req.object}" (it has ${Object.keys(COMMON_TO_OBJECT).join(', ')})`);
    if (!/^[A-Za-z0-9_-]+$/.test(object)) throw new ProviderError('configuration', `"${object}" is not a HubSpot object name`);
    return { object, ...(common ? { common } : {}) };
  }

  async readPage(req: ReadPageRequest): Promise<ReadPageResult> {
    const { object, common } = await this.targetOf(req);
    if (object === 'owners') return this.readOwners(req);

    const propertyNames = (await this.propertiesOf(object, req)).map((p) => p.name);
    const toRecord = (o: HsObject): SourceRecord => this.toRecord(o, common);
    const listed = req.pageState as unknown as HsState | null;
    if (listed === null ? req.modifiedSince !== null : listed.mode !== 'list') {
      const prop = modifiedProperty(object);
      // By the sync's object: a common object and the standard one it reads are two reads of one HubSpot object.
      return this.searches.read(`${req.objectType}:${req.object}`, req, {
        prop,
        pageSize: this.pageSize,
        concurrency: LIMITS.concurrency,
        search: async (body, signal) => {
          const answer = await this.post(`/crm/v3/objects/${object}/search`, { ...body, properties: propertyNames }, { signal, onWait: req.onWait });
          const results: HsObject[] = Array.isArray(answer?.results) ? answer.results : [];
          // Search returns no associations: read them in one batch call for this page.
          const to = ASSOCIATIONS[object];
          if (to && results.length > 0) await this.attachAssociations(object, to, results, { signal, onWait: req.onWait });
          return {
            records: results.map(toRecord),
            times: results.map((r) => Date.parse(String(r.properties?.[prop] ?? r.updatedAt))),
            total: Number(answer?.total) || 0,
            more: !!answer?.paging?.next?.after,
          };
        },
      });
    }
    const state: HsState = listed ?? { mode: 'list', phase: 'active', after: null, since: null };

    const joined = propertyNames.join(',');
    const viaBatch = joined.length > MAX_PROPERTIES_QUERY;
    const archived = state.phase === 'archived' ? 'true' : 'false';
    const body = await this.get(
      `/crm/v3/objects/${object}`,
      { limit: String(this.pageSize), after: state.after ?? undefined, properties: viaBatch ? undefined : joined || undefined, associations: ASSOCIATIONS[object], archived },
      req,
    );
    const results: HsObject[] = Array.isArray(body?.results) ? body.results : [];
    if (viaBatch && results.length > 0) {
      // Hundreds of properties: the page's records again, by id, with every property in a POST body.
      const batch = await this.post(
        `/crm/v3/objects/${object}/batch/read?archived=${archived}`,
        { properties: propertyNames, inputs: results.map((r) => ({ id: String(r.id) })) },
        req,
      );
      const full = new Map<string, HsObject>((Array.isArray(batch?.results) ? batch.results : []).map((r: HsObject) => [String(r.id), r]));
      for (const r of results) r.properties = { ...r.properties, ...full.get(String(r.id))?.properties };
    }
    let records = results.map(toRecord);
    if (state.since !== null) records = records.filter((r) => r.lastModifiedAt === null || r.lastModifiedAt.getTime() >= state.since!);
    const after = body?.paging?.next?.after ?? null;
    let next: HsState | null = after ? { ...state, after: String(after) } : null;
    if (!next && state.phase === 'active') next = { ...state, phase: 'archived', after: null };
    return { records, nextPageState: next ? toJson(next) : null };
  }

  private async attachAssociations(object: string, to: string, results: HsObject[], req: RequestOptions): Promise<void> {
    const body = await this.post(`/crm/v3/associations/${object}/${to}/batch/read`, { inputs: results.map((r) => ({ id: String(r.id) })) }, req);
    const byId = new Map<string, Array<{ id: string; type?: string }>>();
    for (const r of Array.isArray(body?.results) ? body.results : [])
      byId.set(String(r?.from?.id), Array.isArray(r?.to) ? r.to.map((t: { id: unknown; type?: string }) => ({ id: String(t.id), ...(t.type ? { type: t.type } : {}) })) : []);
    for (const r of results) {
      const found = byId.get(String(r.id));
      if (found && found.length > 0) r.associations = { ...r.associations, [to]: { results: found } };
    }
  }

  readonly writeBatchSize = WRITE_BATCH_SIZE;

  async write(req: WriteRequest): Promise<WriteOutcome[]> {
    const target = await this.targetOf(req);
    if (target.object === 'owners') throw new ProviderError('configuration', 'HubSpot owners (users) cannot be written through the API');
    return writeHubspot(this.writeApi, target, req);
  }

  private readonly writeApi: HubspotWriteApi = {
    send: async ({ method, path, json, idempotent, passStatuses, signal, onWait }) => {
      const res = await this.auth.client.request({ method, url: `${this.base}${path}`, json, headers: await this.auth.headers(), idempotent, passStatuses, signal, onWait });
      return { status: res.status, body: parse(res.body, `${method} ${path}`) };
    },
    readRecords: (target, ids, signal) => this.readRecords(target, ids, { signal }),
  };

  /** One record with every property (and its company), null when HubSpot has none with that id or it is archived. */
  async readRecord(req: { object: string; objectType: ReadPageRequest['objectType']; id: string; signal?: AbortSignal }): Promise<SourceRecord | null> {
    const target = await this.targetOf(req);
    if (target.object === 'owners') throw new ProviderError('configuration', 'HubSpot owners (users) are read with the users stream, not one by one');
    const names = (await this.propertiesOf(target.object, req)).map((p) => p.name);
    if (names.join(',').length > MAX_PROPERTIES_QUERY) return (await this.readRecords(target, [req.id], req))[0] ?? null;
    const url = new URL(`${this.base}/crm/v3/objects/${target.object}/${encodeURIComponent(req.id)}`);
    url.searchParams.set('properties', names.join(','));
    const to = ASSOCIATIONS[target.object];
    if (to) url.searchParams.set('associations', to);
    const res = await this.auth.client.request({ url, headers: await this.auth.headers(), passStatuses: [404], signal: req.signal });
    if (res.status === 404) return null;
    return this.toRecord(parse(res.body, `GET /crm/v3/objects/${target.object}/{id}`), target.common);
  }

  /** Records by id with every property (batch read) and their companies: what a write left behind. */
  private async readRecords(target: HubspotTarget, ids: string[], req: RequestOptions): Promise<SourceRecord[]> {
    const properties = (await this.propertiesOf(target.object, req)).map((p) => p.name);
    const body = await this.post(`/crm/v3/objects/${target.object}/batch/read`, { properties, inputs: ids.map((id) => ({ id })) }, req);
    const results: HsObject[] = Array.isArray(body?.results) ? body.results : [];
    const to = ASSOCIATIONS[target.object];
    if (to && results.length > 0) await this.attachAssociations(target.object, to, results, req);
    return results.map((o) => this.toRecord(o, target.common));
  }

  private async readOwners(req: ReadPageRequest): Promise<ReadPageResult> {
    const state = (req.pageState as unknown as { phase: 'active' | 'archived'; after: string | null } | null) ?? { phase: 'active', after: null };
    const body = await this.get('/crm/v3/owners', { limit: String(PAGE_SIZE), after: state.after ?? undefined, archived: state.phase === 'archived' ? 'true' : 'false' }, req);
    const results: Array<Record<string, unknown> & { id: string }> = Array.isArray(body?.results) ? body.results : [];
    const records: SourceRecord[] = results.map((o) => {
      const archived = o.archived === true || state.phase === 'archived';
      const raw = { ...o, archived };
      return {
        id: String(o.id),
        lastModifiedAt: date(o.updatedAt),
        isDeleted: archived,
        raw,
        ...(req.objectType === 'common' ? { unified: hubspotUser(raw as Parameters<typeof hubspotUser>[0]) as unknown as Record<string, unknown> } : {}),
      };
    });
    const after = body?.paging?.next?.after ?? null;
    const next = after ? { ...state, after: String(after) } : state.phase === 'active' ? { phase: 'archived', after: null } : null;
    return { records, nextPageState: next as JsonValue };
  }

  private toRecord(o: HsObject, common: CommonObject | undefined): SourceRecord {
    const archived = o.archived === true;
    // Raw records are flat (id, properties, timestamps) so field mappings can name properties directly.
    const raw: Record<string, unknown> = { id: String(o.id), ...(o.properties ?? {}), createdAt: o.createdAt, updatedAt: o.updatedAt, archived };
    if (o.archivedAt) raw.archivedAt = o.archivedAt;
    if (o.associations) raw.associations = o.associations;
    let unified: Record<string, unknown> | undefined;
    if (common === 'contact') unified = hubspotContact(o) as unknown as Record<string, unknown>;
    else if (common === 'account') unified = hubspotAccount(o) as unknown as Record<string, unknown>;
    else if (common === 'opportunity') unified = hubspotOpportunity(o) as unknown as Record<string, unknown>;
    return {
      id: String(o.id),
      lastModifiedAt: date(archived ? (o.archivedAt ?? o.updatedAt) : o.updatedAt),
      isDeleted: archived,
      raw,
      ...(unified ? { unified } : {}),
    };
  }
}

function parse(text: string, what: string): any {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new ProviderError('unknown', `HubSpot ${what} returned a body that is not JSON`);
  }
}

const toJson = (s: HsState): JsonValue => s as unknown as JsonValue;
