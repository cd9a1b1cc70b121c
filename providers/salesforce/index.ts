/**
 * Built-in Salesforce provider (REST API). Reads run concurrent SystemModstamp ranges of SOQL
 * (windows.ts), each following its `nextRecordsUrl`: full reads through `query`, from the epoch,
 * then a tail for what changed while they ran; incremental reads through `queryAll`, which also
 * returns deleted records (IsDeleted → isDeleted). An object without SystemModstamp is one query. The API
 * base is the connection's instance_url (refreshed token responses may move it).
 * Salesforce issues no expiry with its tokens: they are refreshed on 401.
 * Full reads can use Bulk API 2.0 instead (connection param `bulk_api: true`): one query job,
 * polled until complete, then CSV result pages by Sforce-Locator.
 * The logged-in user comes from the OpenID Connect userinfo endpoint; API usage from the
 * Sforce-Limit-Info header of REST responses. Writes (write.ts) go through sObject Collections.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { COMMON_LABELS, COMMON_OBJECT_FIELDS, type CommonObject } from '../common-model/model';
import { ProviderError } from '../errors';
import { parseCsv } from './csv';
import { COMMON_TO_SOBJECT, resolveSObject, toSourceRecord } from './objects';
import { advance, isTail, resumeQuery, SoqlRanges, tailSoql, type QueryPage, type TailState } from './windows';
import { isWindowed } from '../partitioned/windowed-read';
import type { PartitionedState } from '../partitioned/partitions';
import { salesforceReadRecord, salesforceWrite, SALESFORCE_WRITE_BATCH, type SalesforceApi, type SfCall } from './write';
import { providerAuth, type ProviderAuth } from '../oauth';
import { getDefaultHttpRuntime, type HttpRuntime } from '../runtime';
import type {
  ConnectionContext,
  JsonValue,
  ObjectDescriptor,
  ObjectType,
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

export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
export const SALESFORCE_OAUTH: OAuthProfile = {
  authorizationUrl: `${SALESFORCE_LOGIN_URL}/services/oauth2/authorize`,
  tokenUrl: `${SALESFORCE_LOGIN_URL}/services/oauth2/token`,
  clientAuth: 'body',
  // refresh_token: Salesforce issues a refresh token only for this scope.
  defaultScopes: ['api', 'refresh_token'],
  instanceUrlField: 'instance_url',
};
export const SALESFORCE_API_VERSION = 'v58.0';

/** Standard objects offered by discovery (when the org can query them), besides custom ones. */
const STANDARD_OBJECTS = ['Account', 'Contact', 'Lead', 'Opportunity', 'User', 'Task', 'Event', 'Campaign', 'CampaignMember', 'Case', 'Note', 'OpportunityContactRole', 'Product2'];
/** Compound and binary fields cannot (or should not) be selected alongside their parts. */
const SKIPPED_TYPES = new Set(['address', 'location', 'base64']);

interface SfField {
  name: string;
  type: string;
  nillable?: boolean;
}

/** REST paging, or a Bulk API 2.0 query job and its results locator. */
type SfState = { next: string } | { job: string; locator: string | null; ready: boolean };

/** The HTTP runtime's ceiling per connection; concurrent SOQL ranges use all of its concurrency. */
const LIMITS = { requestsPerSecond: 20, burst: 20, concurrency: 4 };

/** Bulk API 2.0 results per request. */
const BULK_PAGE = 10_000;
const BULK_POLL_MS = 2_000;

/** A page state's query path, which is ours to request only under the API's data path. */
function checkedLocator(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/services/data/')) throw new ProviderError('configuration', 'invalid Salesforce page state; restart the sync');
  return path;
}

function queryPage(body: any, toRecord: (raw: Record<string, unknown>) => SourceRecord): QueryPage {
  const records: SourceRecord[] = (Array.isArray(body?.records) ? body.records : []).map((r: Record<string, unknown>) => {
    const { attributes: _attributes, ...raw } = r;
    return toRecord(raw);
  });
  const next = body?.done === false && typeof body.nextRecordsUrl === 'string' ? body.nextRecordsUrl : null;
  return { records, totalSize: typeof body?.totalSize === 'number' ? body.totalSize : records.length, next };
}

/** Bulk results are text: typed back from the describe (empty = null). */
function fromCsv(value: string, type: string | undefined): unknown {
  if (value === '') return null;
  if (type === 'boolean') return value === 'true';
  if (type === 'int' || type === 'double' || type === 'currency' || type === 'percent') {
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  return value;
}

function fieldType(t: string): Pick<ObjectField, 'type' | 'format'> {
  if (t === 'int') return { type: 'integer' };
  if (t === 'double' || t === 'currency' || t === 'percent') return { type: 'number' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'datetime') return { type: 'string', format: 'date-time' };
  if (t === 'date') return { type: 'string', format: 'date' };
  return { type: 'string' };
}

/**
 * `Sforce-Limit-Info: api-usage=18/15000` (possibly followed by `; per-app-api-usage=...`): the
 * org's API requests over the last 24 hours, a rolling window, so there is no reset time.
 */
export function salesforceRateLimits(headers: Headers): RateLimitInfo | null {
  const m = /(?:^|[\s;,])api-usage=(\d+)\/(\d+)/.exec(headers.get('sforce-limit-info') ?? '');
  if (!m) return null;
  const used = Number(m[1]);
  const limit = Number(m[2]);
  return { daily: { limit, remaining: Math.max(0, limit - used) } };
}

export function createSalesforceConnection(ctx: ConnectionContext, runtime: HttpRuntime = getDefaultHttpRuntime()): ProviderConnection {
  return new SalesforceConnection(ctx, runtime);
}

class SalesforceConnection implements ProviderConnection, SalesforceApi {
  private readonly auth: ProviderAuth;
  readonly version: string;
  readonly writeBatchSize = SALESFORCE_WRITE_BATCH;
  private readonly describes = new Map<string, Promise<SfField[]>>();
  private readonly ranges = new SoqlRanges();

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly runtime: HttpRuntime,
  ) {
    const login = String(ctx.params.login_url || SALESFORCE_LOGIN_URL).replace(/\/+$/, '');
    this.version = String(ctx.params.api_version || SALESFORCE_API_VERSION);
    this.auth = providerAuth(ctx, runtime, {
      providerLabel: 'Salesforce',
      tokenUrl: `${login}/services/oauth2/token`,
      keepFromResponse: ['instance_url'],
      limits: LIMITS,
      rateLimitInfo: salesforceRateLimits,
    });
  }

  private get base(): string {
    const url = this.auth.session.credentials.instance_url;
    if (typeof url !== 'string' || url === '') throw new ProviderError('configuration', 'Salesforce connection has no instance_url');
    return url.replace(/\/+$/, '');
  }

  private async get(pathAndQuery: string, req?: Pick<ReadPageRequest, 'signal' | 'onWait'>): Promise<any> {
    const headers = await this.auth.headers(); // may refresh (and move instance_url) first
    const res = await this.auth.client.request({ url: `${this.base}${pathAndQuery}`, headers, signal: req?.signal, onWait: req?.onWait });
    try {
      return res.body ? JSON.parse(res.body) : {};
    } catch {
      throw new ProviderError('unknown', `Salesforce GET ${pathAndQuery.split('?')[0]} returned a body that is not JSON`);
    }
  }

  /** A REST call whose answer is JSON; `passStatuses` answers (a write's 400) come back instead of throwing. */
  async call(req: SfCall): Promise<{ status: number; body: any }> {
    const headers = await this.auth.headers();
    const { path, ...rest } = req;
    const res = await this.auth.client.request({ ...rest, url: `${this.base}${path}`, headers });
    try {
      return { status: res.status, body: res.body ? JSON.parse(res.body) : {} };
    } catch {
      throw new ProviderError('unknown', `Salesforce ${req.method} ${path.split('?')[0]} returned a body that is not JSON`);
    }
  }

  write(req: WriteRequest): Promise<WriteOutcome[]> {
    return salesforceWrite(this, req);
  }

  readRecord(req: { object: string; objectType: ObjectType; id: string; signal?: AbortSignal }): Promise<SourceRecord | null> {
    return salesforceReadRecord(this, req);
  }

  /** The fields a SOQL query can select (compound and binary ones left out). */
  async selectable(sobject: string, req?: Pick<ReadPageRequest, 'signal' | 'onWait'>): Promise<string[]> {
    return (await this.describe(sobject, req)).filter((f) => !SKIPPED_TYPES.has(f.type)).map((f) => f.name);
  }

  private describe(sobject: string, req?: Pick<ReadPageRequest, 'signal' | 'onWait'>): Promise<SfField[]> {
    let p = this.describes.get(sobject);
    if (!p) {
      p = this.get(`/services/data/${this.version}/sobjects/${encodeURIComponent(sobject)}/describe`, req).then((b) => (Array.isArray(b?.fields) ? b.fields : []));
      p.catch(() => this.describes.delete(sobject));
      this.describes.set(sobject, p);
    }
    return p;
  }

  async listObjects(): Promise<ObjectDescriptor[]> {
    const out: ObjectDescriptor[] = (Object.keys(COMMON_TO_SOBJECT) as CommonObject[]).map((c) => ({
      name: c,
      objectType: 'common',
      label: COMMON_LABELS[c],
      supportsIncremental: true,
      fields: COMMON_OBJECT_FIELDS[c],
    }));
    const global = await this.get(`/services/data/${this.version}/sobjects`);
    const sobjects: Array<{ name: string; label?: string; queryable?: boolean; custom?: boolean }> = Array.isArray(global?.sobjects) ? global.sobjects : [];
    for (const so of sobjects) {
      if (so.queryable === false || !(so.custom || STANDARD_OBJECTS.includes(so.name))) continue;
      const fields = await this.describe(so.name);
      out.push({
        name: so.name,
        objectType: so.custom ? 'custom' : 'standard',
        label: so.label ?? so.name,
        supportsIncremental: fields.some((f) => f.name === 'SystemModstamp'),
        fields: fields.filter((f) => !SKIPPED_TYPES.has(f.type)).map((f) => ({ name: f.name, nullable: f.nillable !== false, ...fieldType(f.type) })),
      });
    }
    return out;
  }

  async loggedInUser(): Promise<ProviderUser> {
    const info = await this.get('/services/oauth2/userinfo');
    if (typeof info?.user_id !== 'string' || info.user_id === '') throw new ProviderError('unknown', 'Salesforce userinfo returned no user_id');
    return { id: info.user_id, raw: info };
  }

  async readPage(req: ReadPageRequest): Promise<ReadPageResult> {
    const { sobject, common } = resolveSObject(req.object, req.objectType);
    const toRecord = (raw: Record<string, unknown>): SourceRecord => toSourceRecord(raw, common);

    let body: any;
    const state = req.pageState as unknown as SfState | null;
    if (isWindowed(req.pageState)) return req.modifiedSince ? this.readRanges(sobject, req, toRecord) : this.readFull(sobject, req, toRecord);
    if (isTail(req.pageState)) return this.readTail(sobject, req.pageState, req, toRecord);
    if (state && 'job' in state) return this.readBulk(sobject, state, req, toRecord);
    if (state) {
      // A single query's page: a full read's, or an incremental one's from before ranges.
      body = await this.get(checkedLocator(state.next), req);
    } else {
      const fields = await this.selectable(sobject, req);
      if (fields.length === 0) throw new ProviderError('configuration', `Salesforce object ${sobject} has no fields (is it queryable?)`);
      const incremental = fields.includes('SystemModstamp');
      if (incremental && req.modifiedSince) return this.readRanges(sobject, req, toRecord);
      if (incremental && !this.useBulk) return this.readFull(sobject, req, toRecord);
      const order = incremental ? ' ORDER BY SystemModstamp ASC, Id ASC' : '';
      const soql = `SELECT ${fields.join(', ')} FROM ${sobject}${order}`;
      if (this.useBulk) {
        // Full loads through Bulk API 2.0 (opt-in): one asynchronous query job, results as CSV pages.
        const job = await this.send(
          'POST',
          `/services/data/${this.version}/jobs/query`,
          { operation: 'query', query: soql.replace(order, ''), contentType: 'CSV', lineEnding: 'LF' },
          req,
        );
        if (typeof job?.id !== 'string') throw new ProviderError('unknown', 'Salesforce Bulk API did not return a job id');
        return { records: [], nextPageState: { job: job.id, locator: null, ready: false } };
      }
      body = await this.get(`/services/data/${this.version}/query?q=${encodeURIComponent(soql)}`, req);
    }
    const page = queryPage(body, toRecord);
    const next = page.next === null ? null : ({ next: page.next } satisfies SfState);
    return { records: page.records, nextPageState: next as unknown as JsonValue };
  }

  /** An incremental read (or a backfill's sub-window) as concurrent SystemModstamp ranges. */
  private async readRanges(sobject: string, req: ReadPageRequest, toRecord: (raw: Record<string, unknown>) => SourceRecord, full?: { now: number }): Promise<ReadPageResult> {
    const fields = await this.selectable(sobject, req);
    return this.ranges.read(`${req.objectType}:${req.object}`, req, {
      selectFrom: `SELECT ${fields.join(', ')} FROM ${sobject}`,
      deleted: !full,
      ...(full && { start: new Date(0) }),
      concurrency: LIMITS.concurrency,
      now: full?.now ?? this.runtime.now(),
      base: `/services/data/${this.version}`,
      query: async (path, signal) => queryPage(await this.get(checkedLocator(path), { signal, onWait: req.onWait }), toRecord),
    });
  }

  /** A full read: its windows (windows.ts), then, once they are all done, its tail from where they end. */
  private async readFull(sobject: string, req: ReadPageRequest, toRecord: (raw: Record<string, unknown>) => SourceRecord): Promise<ReadPageResult> {
    // Where the windows end: in the state once they started, else now (the windows' end too).
    const now = this.runtime.now();
    const since = isWindowed(req.pageState) ? (req.pageState as unknown as PartitionedState).windows!.end : new Date(now).toISOString();
    const out = await this.readRanges(sobject, req, toRecord, { now });
    // Bounded above (a backfill's window), nothing after its end is the run's.
    if (out.nextPageState !== null || req.modifiedBefore) return out;
    return { records: out.records, nextPageState: { tail: { since, next: null } } satisfies TailState as unknown as JsonValue };
  }

  /** The tail of a full read (see windows.ts): what a window could have missed because it changed during the run. */
  private async readTail(sobject: string, state: TailState, req: ReadPageRequest, toRecord: (raw: Record<string, unknown>) => SourceRecord): Promise<ReadPageResult> {
    const { since, ...position } = state.tail;
    const from = new Date(since);
    const query = async (path: string) => queryPage(await this.get(checkedLocator(path), req), toRecord);
    const queryFrom = async (at: Date) => {
      const fields = await this.selectable(sobject, req);
      return query(`/services/data/${this.version}/query?q=${encodeURIComponent(tailSoql(`SELECT ${fields.join(', ')} FROM ${sobject}`, at))}`);
    };
    const cursor = position.next === null ? undefined : { ...position, next: position.next };
    const page = cursor ? await resumeQuery(cursor, query, queryFrom) : await queryFrom(from);
    // The query starts at the second; what came before `since` is the windows'.
    const { records, next } = advance(
      page.records.filter((r) => (r.lastModifiedAt?.getTime() ?? Number.POSITIVE_INFINITY) >= from.getTime()),
      page.next,
      cursor,
    );
    return { records, nextPageState: next && ({ tail: { since, ...next } } satisfies TailState as unknown as JsonValue) };
  }

  /** Connection param `bulk_api: true` turns Bulk API 2.0 on for full reads. */
  private get useBulk(): boolean {
    const v = this.ctx.params.bulk_api;
    return v === true || v === 'true';
  }

  private async send(method: 'POST', path: string, json: unknown, req: ReadPageRequest): Promise<any> {
    const headers = await this.auth.headers();
    const res = await this.auth.client.request({ method, url: `${this.base}${path}`, json, headers, signal: req.signal, onWait: req.onWait });
    try {
      return res.body ? JSON.parse(res.body) : {};
    } catch {
      throw new ProviderError('unknown', `Salesforce ${method} ${path} returned a body that is not JSON`);
    }
  }

  /** One step of a Bulk API 2.0 query: poll the job until it completes, then one results page per call. */
  private async readBulk(
    sobject: string,
    state: Extract<SfState, { job: string }>,
    req: ReadPageRequest,
    toRecord: (raw: Record<string, unknown>) => SourceRecord,
  ): Promise<ReadPageResult> {
    if (!/^[A-Za-z0-9]+$/.test(state.job)) throw new ProviderError('configuration', 'invalid Salesforce bulk page state; restart the sync');
    const jobPath = `/services/data/${this.version}/jobs/query/${state.job}`;
    if (!state.ready) {
      const job = await this.get(jobPath, req);
      if (job?.state === 'Failed' || job?.state === 'Aborted') {
        throw new ProviderError(
          'unknown',
          `Salesforce bulk query job ${state.job} ${String(job.state).toLowerCase()}: ${this.auth.client.redact(String(job.errorMessage ?? 'no message'))}`,
        );
      }
      if (job?.state !== 'JobComplete') {
        // Still running: wait a little and hand back the same state (the engine calls again and heartbeats).
        req.onWait?.({ reason: 'retry', ms: BULK_POLL_MS });
        await delay(BULK_POLL_MS, undefined, { signal: req.signal });
        return { records: [], nextPageState: state as unknown as JsonValue };
      }
    }
    const headers = await this.auth.headers();
    const url = new URL(`${this.base}${jobPath}/results`);
    url.searchParams.set('maxRecords', String(BULK_PAGE));
    if (state.locator) url.searchParams.set('locator', state.locator);
    const res = await this.auth.client.request({ url, headers: { ...headers, accept: 'text/csv' }, signal: req.signal, onWait: req.onWait });
    const types = new Map((await this.describe(sobject, req)).map((f) => [f.name, f.type]));
    const [header, ...rows] = parseCsv(res.body);
    const records = (header ? rows : [])
      .filter((r) => r.length > 1 || r[0] !== '')
      .map((row) => {
        const raw: Record<string, unknown> = {};
        header!.forEach((name, i) => {
          raw[name] = fromCsv(row[i] ?? '', types.get(name));
        });
        return toRecord(raw);
      });
    const locator = res.headers.get('sforce-locator');
    const next = locator && locator !== 'null' ? { job: state.job, locator, ready: true } : null;
    return { records, nextPageState: next as unknown as JsonValue };
  }
}
