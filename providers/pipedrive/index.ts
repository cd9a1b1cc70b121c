/**
 * Built-in Pipedrive provider (API v1). List endpoints page with `start`/`limit`
 * (`additional_data.pagination.more_items_in_collection` / `next_start`). Incremental
 * reads sort by `update_time DESC` and stop at the first record older than the cursor
 * (newer changes made during the read move records forward, which only repeats a
 * record, never skips one). Deleted items are gone from the lists, so an incremental
 * read then asks `GET /recents` what was deleted since the cursor (see readDeletions);
 * a full run soft-deletes whatever it did not see.
 * Auth: OAuth bearer (refresh via HTTP Basic client auth, api_domain kept) or an API
 * token (`api_token` query parameter); either acts as a user (GET /users/me).
 * Writes (persons, organizations, deals, activities; one record per request) are in write.ts.
 */
import { COMMON_LABELS, COMMON_OBJECT_FIELDS, type CommonObject } from '../common-model/model';
import { ProviderError } from '../errors';
import { providerAuth, type ProviderAuth } from '../oauth';
import { intHeader, rateWindow } from '../rate-limit-headers';
import { getDefaultHttpRuntime, type HttpRuntime } from '../runtime';
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
import { COMMON_TO_OBJECT, isDeletedItem, toRecord, tombstone } from './records';
import { pipedriveReadRecord, pipedriveWrite, type PipedriveApi, type PipedriveMethod } from './write';

export const PIPEDRIVE_API_URL = 'https://api.pipedrive.com/v1';
export const PIPEDRIVE_TOKEN_URL = 'https://oauth.pipedrive.com/oauth/token';
export const PIPEDRIVE_OAUTH: OAuthProfile = {
  authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
  tokenUrl: PIPEDRIVE_TOKEN_URL,
  clientAuth: 'basic',
  keepFromResponse: ['api_domain'],
};
const PAGE_SIZE = 100;

export const PIPEDRIVE_STANDARD_OBJECTS = ['persons', 'organizations', 'deals', 'leads', 'users', 'activities', 'products', 'notes'] as const;
/** Objects whose fields Pipedrive describes at /{singular}Fields. */
const FIELDS_ENDPOINT: Record<string, string> = {
  persons: 'personFields',
  organizations: 'organizationFields',
  deals: 'dealFields',
  activities: 'activityFields',
  products: 'productFields',
  notes: 'noteFields',
};
/** Objects without paging or an update_time sort. */
const UNPAGED = new Set(['users']);
/** The item type of an object in GET /recents (leads have none). */
const RECENTS_ITEM: Record<string, string> = { persons: 'person', organizations: 'organization', deals: 'deal', activities: 'activity', products: 'product', notes: 'note' };

interface PdState {
  start: number;
  /** Absent while reading the object's list; 'deletions' while reading /recents after an incremental list read. */
  phase?: 'deletions';
}

function fieldType(t: string | undefined): Pick<ObjectField, 'type' | 'format'> {
  if (t === 'int' || t === 'double' || t === 'monetary') return { type: 'number' };
  if (t === 'date') return { type: 'string', format: 'date' };
  if (t === 'org' || t === 'people' || t === 'user') return { type: 'object' };
  return { type: 'string' };
}

/** Pipedrive's UTC timestamp format, YYYY-MM-DD HH:MM:SS. */
const pdTimestamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The burst window (x-ratelimit-limit / -remaining, -reset in seconds from now) as `other.burst`.
 * x-daily-requests-left comes without the daily budget it is left of, so it is not reported.
 */
export function pipedriveRateLimits(headers: Headers, now = Date.now()): RateLimitInfo | null {
  const reset = intHeader(headers, 'x-ratelimit-reset');
  const burst = rateWindow(intHeader(headers, 'x-ratelimit-limit'), intHeader(headers, 'x-ratelimit-remaining'), reset === null ? undefined : Math.ceil(now / 1000) + reset);
  return burst ? { other: { burst } } : null;
}

export function createPipedriveConnection(ctx: ConnectionContext, runtime: HttpRuntime = getDefaultHttpRuntime()): ProviderConnection {
  return new PipedriveConnection(ctx, runtime);
}

class PipedriveConnection implements ProviderConnection, PipedriveApi {
  private readonly auth: ProviderAuth;

  constructor(
    private readonly ctx: ConnectionContext,
    runtime: HttpRuntime,
  ) {
    this.auth = providerAuth(ctx, runtime, {
      providerLabel: 'Pipedrive',
      tokenUrl: PIPEDRIVE_TOKEN_URL,
      clientAuth: 'basic',
      keepFromResponse: ['api_domain'],
      limits: { requestsPerSecond: 8, burst: 8, concurrency: 4 },
      apiKeyHeaders: () => ({}),
      rateLimitInfo: pipedriveRateLimits,
    });
  }

  private get base(): string {
    const c = this.auth.session.credentials;
    const domain = c.instance_url || c.api_domain;
    return typeof domain === 'string' && domain !== '' ? `${domain.replace(/\/+$/, '')}/api/v1` : PIPEDRIVE_API_URL;
  }

  async call(method: PipedriveMethod, path: string, opts: Parameters<PipedriveApi['call']>[2]): Promise<{ status: number; body: any }> {
    const { query, ...request } = opts;
    const headers = await this.auth.headers();
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    if (!this.auth.usesOAuth && typeof this.ctx.params.api_key === 'string') url.searchParams.set('api_token', this.ctx.params.api_key);
    const res = await this.auth.client.request({ method, url, headers, ...request });
    try {
      return { status: res.status, body: res.body ? JSON.parse(res.body) : {} };
    } catch {
      if (res.status >= 400) return { status: res.status, body: null };
      throw new ProviderError('unknown', `Pipedrive ${method} ${path} returned a body that is not JSON`);
    }
  }

  redact(text: string): string {
    return this.auth.client.redact(text);
  }

  private async get(path: string, query: Record<string, string | undefined>, req?: ReadPageRequest): Promise<any> {
    const defined = Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
    const { body } = await this.call('GET', path, { query: defined, signal: req?.signal, onWait: req?.onWait });
    if (body?.success === false) throw new ProviderError('unknown', `Pipedrive GET ${path} failed: ${this.redact(String(body.error ?? 'unknown error'))}`);
    return body;
  }

  /** Pipedrive has no batch write: one record per request. */
  readonly writeBatchSize = 1;

  write(req: WriteRequest): Promise<WriteOutcome[]> {
    return pipedriveWrite(this, req);
  }

  readRecord(req: Parameters<NonNullable<ProviderConnection['readRecord']>>[0]): Promise<SourceRecord | null> {
    return pipedriveReadRecord(this, req);
  }

  async listObjects(): Promise<ObjectDescriptor[]> {
    const out: ObjectDescriptor[] = (Object.keys(COMMON_TO_OBJECT) as CommonObject[]).map((c) => ({
      name: c,
      objectType: 'common',
      label: COMMON_LABELS[c],
      supportsIncremental: !UNPAGED.has(COMMON_TO_OBJECT[c]),
      fields: COMMON_OBJECT_FIELDS[c],
    }));
    for (const object of PIPEDRIVE_STANDARD_OBJECTS) {
      let fields: ObjectField[] | undefined;
      const endpoint = FIELDS_ENDPOINT[object];
      if (endpoint) {
        const body = await this.get(`/${endpoint}`, { start: '0', limit: '500' });
        fields = (Array.isArray(body?.data) ? body.data : []).map((f: { key: string; field_type?: string }) => ({ name: f.key, nullable: true, ...fieldType(f.field_type) }));
      }
      // Leads and users have no field metadata endpoint: discovery samples them.
      out.push({ name: object, objectType: 'standard', label: object, supportsIncremental: !UNPAGED.has(object), ...(fields ? { fields } : {}) });
    }
    return out;
  }

  async loggedInUser(): Promise<ProviderUser> {
    const me = (await this.get('/users/me', {}))?.data;
    if (me?.id === undefined || me.id === null) throw new ProviderError('unknown', 'Pipedrive GET /users/me returned no user id');
    return { id: String(me.id), raw: me };
  }

  async readPage(req: ReadPageRequest): Promise<ReadPageResult> {
    const common = req.objectType === 'common' ? (req.object as CommonObject) : undefined;
    if (common && !COMMON_TO_OBJECT[common]) throw new ProviderError('configuration', `Pipedrive has no common object "${req.object}"`);
    const object = common ? COMMON_TO_OBJECT[common] : req.object;
    if (!/^[a-zA-Z]+$/.test(object)) throw new ProviderError('configuration', `"${object}" is not a Pipedrive object`);
    const state = (req.pageState as unknown as PdState | null) ?? { start: 0 };
    const unpaged = UNPAGED.has(object);
    const since = unpaged ? null : (req.modifiedSince?.getTime() ?? null);
    if (state.phase === 'deletions' && since !== null) return this.readDeletions(object, common, since, state.start, req);

    const body = await this.get(
      `/${object}`,
      unpaged ? {} : { start: String(state.start), limit: String(PAGE_SIZE), sort: since !== null ? 'update_time DESC' : object === 'leads' ? undefined : 'id ASC' },
      req,
    );
    const items: Array<Record<string, any>> = Array.isArray(body?.data) ? body.data : [];
    let records = items.map((r) => toRecord(r, common));
    let reachedOlder = false;
    if (since !== null) {
      reachedOlder = records.some((r) => r.lastModifiedAt !== null && r.lastModifiedAt.getTime() < since);
      records = records.filter((r) => r.lastModifiedAt === null || r.lastModifiedAt.getTime() >= since);
    }
    const pagination = body?.additional_data?.pagination;
    const more = !unpaged && !reachedOlder && pagination?.more_items_in_collection === true;
    const nextStart = Number(pagination?.next_start ?? state.start + items.length);
    if (more) return { records, nextPageState: toJson({ start: nextStart }) };
    return { records, nextPageState: since !== null && RECENTS_ITEM[object] ? toJson({ start: 0, phase: 'deletions' }) : null };
  }

  /**
   * What was deleted since the cursor. `GET /recents` lists the items changed after since_timestamp,
   * deleted ones included (Pipedrive keeps a deleted item, inactive, for 30 days); an item it reports
   * with `data: null` has nothing left to read, which is gone too. Changed items that still exist were
   * read from the list already. Pipedrive answers at most the last month of changes (since December
   * 2024): deletions older than that, behind a cursor that old, wait for the next full run.
   */
  private async readDeletions(object: string, common: CommonObject | undefined, since: number, start: number, req: ReadPageRequest): Promise<ReadPageResult> {
    const item = RECENTS_ITEM[object]!;
    // Changes *after* the timestamp, to the second: a second earlier, so a deletion in the cursor's own second is not missed.
    const query = { since_timestamp: pdTimestamp(since - 1000), items: item, start: String(start), limit: String(PAGE_SIZE) };
    const body = await this.get('/recents', query, req);
    const changes: Array<{ item?: unknown; id?: unknown; data?: Record<string, any> | null }> = Array.isArray(body?.data) ? body.data : [];
    const records: SourceRecord[] = [];
    for (const c of changes) {
      if (c.item !== item) continue;
      if (!c.data) records.push(tombstone(c.id, common));
      else if (isDeletedItem(c.data)) records.push(toRecord(c.data, common));
    }
    const pagination = body?.additional_data?.pagination;
    if (pagination?.more_items_in_collection !== true) return { records, nextPageState: null };
    return { records, nextPageState: toJson({ start: Number(pagination.next_start ?? start + changes.length), phase: 'deletions' }) };
  }
}

const toJson = (s: PdState): JsonValue => s as unknown as JsonValue;
