/**
 * A ProviderConnection driven by a connector definition. A plain stream's readPage issues one
 * page request; child streams, date-windowed streams and numbered pages with a total are read as
 * concurrent partitions (partitions.ts). Either way readPage returns a JSON page state from which
 * a crashed run resumes exactly where it stopped.
 */
import { randomUUID } from 'node:crypto';
import { withOutboundPolicy } from '../../lib/outbound-policy';
import { ProviderError } from '../errors';
import { OAuthSession } from '../oauth';
import { getDefaultHttpRuntime, type HttpClient, type HttpRuntime } from '../runtime';
import type { ConnectionContext, JsonValue, ObjectDescriptor, ProviderConnection, ReadPageRequest, ReadPageResult, SourceRecord, WriteOutcome, WriteRequest } from '../types';
import { ConnectorDefinitionError, parseConnectorDefinition, tokenPrefix, type ConnectorDefinition, type StreamDefinition } from './definition';
import { parseJsonPath } from './json-path';
import { createPaginator, type Paginator, type PaginationState, readsUnder } from './pagination';
import { PartitionRun, type Context, type OpenPartition, type PartitionSource, type PartitionedState } from '../partitioned/partitions';
import { createRecordMapper, readRecords, type RecordMapper } from './records';
import { authSecrets, buildRequest } from './request';
import { schemaFields } from './schema-fields';
import { renderString, renderTemplate, type Scope } from './template';
import { inWindow, windowAt } from '../partitioned/windows';
import { stepMs } from './windows';
import { DeclarativeWriter } from './write';

/** Position of a child stream before partitions, or of a parent that is itself a child: the parent's next page, the current parent page's contexts, and the child's own page. */
interface ChildState {
  parentNext: JsonValue | null;
  parentDone: boolean;
  contexts: Context[];
  index: number;
  page: PaginationState | null;
}

interface CompiledStream {
  def: StreamDefinition;
  paginator: Paginator;
  selector: ReturnType<typeof parseJsonPath>;
  mapRecord: RecordMapper;
  parent?: CompiledStream;
}

interface PageOutcome {
  records: SourceRecord[];
  next: JsonValue | null;
  body?: unknown;
}

type PartitionKind = PartitionedState['partitioned'];

const SECRET_NAME = /key|token|secret|password|passwd|credential/i;

export function createDeclarativeConnection(definition: ConnectorDefinition | unknown, ctx: ConnectionContext, runtime: HttpRuntime = getDefaultHttpRuntime()): ProviderConnection {
  let def: ConnectorDefinition;
  try {
    def = parseConnectorDefinition(definition);
  } catch (err) {
    if (err instanceof ConnectorDefinitionError) throw new ProviderError('configuration', err.message, { cause: err });
    throw err;
  }
  return new DeclarativeConnection(def, ctx, runtime);
}

class DeclarativeConnection implements ProviderConnection {
  private readonly scope: Scope;
  private readonly client: HttpClient;
  private readonly streams = new Map<string, CompiledStream>();
  /** oauth2 connectors: the access token, refreshed before expiry (and on 401 when it travels in a header). */
  private readonly session: OAuthSession | undefined;
  /** Partitions in flight per stream, continued by the readPage that passes back the state they handed out. */
  private readonly partitionRuns = new Map<string, PartitionRun>();
  /** Partition requests in flight at most: the connection's concurrency, which the runtime also enforces. */
  private readonly concurrency: number;
  private readonly now: () => number;
  // Present only when some stream defines a write section (or read_one): the contract's "absent when it cannot".
  declare write?: (req: WriteRequest) => Promise<WriteOutcome[]>;
  declare writeBatchSize?: number;
  declare readRecord?: ProviderConnection['readRecord'];

  constructor(
    private readonly def: ConnectorDefinition,
    ctx: ConnectionContext,
    runtime: HttpRuntime,
  ) {
    this.concurrency = def.rate_limit?.concurrency ?? runtime.defaultLimits.concurrency;
    this.now = runtime.now;
    const config: Record<string, unknown> = { ...ctx.params };
    for (const p of def.parameters) if (isAbsent(config[p.name]) && p.default !== undefined) config[p.name] = p.default;
    this.scope = { config };

    const secrets = def.parameters.filter((p) => p.secret || SECRET_NAME.test(p.name)).map((p) => config[p.name]);
    for (const [k, v] of Object.entries(ctx.params)) if (SECRET_NAME.test(k)) secrets.push(v);
    const auth = def.auth;
    if (auth.type === 'oauth2') {
      if (ctx.oauth?.clientSecret) secrets.push(ctx.oauth.clientSecret);
      this.session = new OAuthSession(ctx, {
        providerLabel: def.name,
        tokenUrl: auth.token_url,
        clientAuth: auth.client_auth,
        // The token URL is the tenant's choice, like base_url.
        fetch: (url, init) => fetch(url, withOutboundPolicy(ctx.outboundPolicy, init ?? {})),
      });
    }
    const session = this.session;
    // A token in the query string cannot be swapped by a retry's headers: it is only refreshed before expiry.
    const onUnauthorized =
      auth.type === 'oauth2' && auth.token_placement.location === 'header' && session
        ? async () => {
            if (!session.canRefresh) return null;
            await session.refresh(typeof session.credentials.access_token === 'string' ? session.credentials.access_token : undefined);
            const token = session.credentials.access_token;
            return typeof token === 'string' && token ? { [auth.token_placement.name]: `${tokenPrefix(auth)}${token}` } : null;
          }
        : undefined;
    this.client = runtime.client({
      ...(onUnauthorized ? { onUnauthorized } : {}),
      connectionId: ctx.connectionId,
      provider: ctx.providerName,
      // base_url (and so every host this connector calls) is the tenant's choice.
      outboundPolicy: ctx.outboundPolicy,
      secrets: [...secrets.filter((s) => !isAbsent(s)).map(String), ...authSecrets(def.auth, this.scope)],
      limits: {
        ...(def.rate_limit?.concurrency !== undefined && { concurrency: def.rate_limit.concurrency }),
        ...(def.rate_limit?.requests_per_second !== undefined && { requestsPerSecond: def.rate_limit.requests_per_second }),
        ...(def.rate_limit?.burst !== undefined && { burst: def.rate_limit.burst }),
      },
    });
    for (const s of def.streams) this.compile(s);

    const writer = new DeclarativeWriter(def, this.client, async () => {
      this.checkRequiredParams();
      return this.requestScope();
    });
    if (def.streams.some((s) => s.write)) {
      this.write = (req) => writer.write(req);
      this.writeBatchSize = writer.batchSize;
    }
    if (def.streams.some((s) => s.read_one)) this.readRecord = (req) => writer.readRecord(req);
  }

  /** The scope of a request's templates: the parameters, and for oauth2 a fresh access token. */
  private async requestScope(): Promise<Scope> {
    return this.session ? { ...this.scope, config: { ...this.scope.config, access_token: await this.session.accessToken() } } : this.scope;
  }

  private compile(s: StreamDefinition): CompiledStream {
    const existing = this.streams.get(s.id);
    if (existing) return existing;
    const parentDef = s.parent_stream ? this.def.streams.find((p) => p.id === s.parent_stream) : undefined;
    const compiled: CompiledStream = {
      def: s,
      paginator: createPaginator(s.pagination),
      selector: parseJsonPath(s.records_selector),
      mapRecord: createRecordMapper({
        primaryKey: s.primary_key,
        replicationKey: s.incremental?.replication_key,
        scan: !readsUnder(s.pagination, parseJsonPath(s.records_selector)),
      }),
      parent: parentDef ? this.compile(parentDef) : undefined,
    };
    this.streams.set(s.id, compiled);
    return compiled;
  }

  async listObjects(): Promise<ObjectDescriptor[]> {
    return this.def.streams.map((s) => ({
      name: s.id,
      objectType: 'standard',
      label: s.name ?? s.id,
      supportsIncremental: s.incremental !== undefined,
      fields: s.schema ? schemaFields(s.schema) : undefined,
    }));
  }

  async readPage(req: ReadPageRequest): Promise<ReadPageResult> {
    if (req.objectType !== 'standard') {
      throw new ProviderError('configuration', `${this.def.name} connectors only have standard objects, not ${req.objectType} "${req.object}"`);
    }
    const stream = this.streams.get(req.object);
    if (!stream) {
      throw new ProviderError('configuration', `unknown object "${req.object}" for ${this.def.name} (streams: ${[...this.streams.keys()].join(', ')})`);
    }
    this.checkRequiredParams();
    const modifiedSince = stream.def.incremental ? req.modifiedSince : null;
    const kind = partitionKind(stream);
    const page = kind ? await this.readPartitioned(stream, kind, modifiedSince, req) : await this.readStream(stream, req.pageState, modifiedSince, req);
    let records = page.records;
    // The bound is inclusive: only records strictly older than the cursor are dropped.
    if (modifiedSince) {
      const since = modifiedSince.getTime();
      records = records.filter((r) => r.lastModifiedAt === null || r.lastModifiedAt.getTime() >= since);
    }
    return { records, nextPageState: page.next };
  }

  private checkRequiredParams(): void {
    const missing = this.def.parameters.filter((p) => p.required && isAbsent(this.scope.config[p.name]));
    if (missing.length > 0) {
      throw new ProviderError('configuration', `connection is missing required parameter(s): ${missing.map((p) => (p.label ? `${p.name} (${p.label})` : p.name)).join(', ')}`);
    }
  }

  private readStream(stream: CompiledStream, pageState: JsonValue | null, modifiedSince: Date | null, req: ReadPageRequest): Promise<PageOutcome> {
    return stream.parent ? this.readChild(stream, stream.parent, pageState, modifiedSince, req) : this.fetchPage(stream, pageState, modifiedSince, req);
  }

  /** One request for one page of a stream (under one parent context for child streams), up to `until` (a date window's end) or else the request's modifiedBefore. */
  private async fetchPage(
    stream: CompiledStream,
    pageState: JsonValue | null,
    modifiedSince: Date | null,
    req: ReadPageRequest,
    parentContext?: Context,
    until?: Date,
  ): Promise<PageOutcome> {
    const state = pageState === null ? stream.paginator.first() : stream.paginator.check(pageState);
    const scope = { ...(await this.requestScope()), parent: parentContext };
    const parts = buildRequest(this.def, stream.def, scope, modifiedSince, until ?? req.modifiedBefore);
    stream.paginator.apply(state, parts);
    const method = stream.def.method;
    const res = await this.client.request({ method, url: parts.url, headers: parts.headers, json: parts.body, signal: req.signal, onWait: req.onWait });
    const what = this.client.describe(method, res.url);
    const { body, records } = readRecords(res, what, stream, parentContext);
    let next = stream.paginator.next(state, { body, headers: res.headers, url: res.url, count: records.length });
    if (next && typeof next.url === 'string') next = { url: this.stripAuthQuery(next.url) };
    return { records, next, body };
  }

  private async readPartitioned(stream: CompiledStream, kind: PartitionKind, modifiedSince: Date | null, req: ReadPageRequest): Promise<PageOutcome> {
    const id = stream.def.id;
    let run = this.partitionRuns.get(id);
    if (!run?.continues(req.pageState)) {
      run?.close();
      const from = req.pageState === null ? this.firstPartitions(stream, kind, modifiedSince, req.modifiedBefore) : checkPartitioned(req.pageState, kind);
      run = new PartitionRun(randomUUID(), from, this.partitionSource(stream, kind, modifiedSince, req), this.concurrency, req.signal);
      this.partitionRuns.set(id, run);
    }
    const out = await run.take();
    if (out.state === null) this.partitionRuns.delete(id);
    return { records: out.records, next: out.state as unknown as JsonValue };
  }

  private firstPartitions(stream: CompiledStream, kind: PartitionKind, modifiedSince: Date | null, modifiedBefore: Date | null | undefined): PartitionedState {
    const base = { partitioned: kind, next: 0, open: [] };
    if (kind === 'pages') return { ...base, pages: null };
    if (kind === 'children') return { ...base, parent: { next: null, done: false, queue: [] } };
    const inc = stream.def.incremental!;
    const start = modifiedSince ?? this.startDatetime(stream.def.id, inc.start_datetime!);
    // The range ends when the run starts (what changes while it reads is after it, for the next run),
    // or before a backfill sub-window's exclusive end if that comes first.
    const now = this.now();
    const bounded = !!modifiedBefore && modifiedBefore.getTime() <= now;
    const end = new Date(bounded ? modifiedBefore.getTime() : now).toISOString();
    return { ...base, windows: { start: start.toISOString(), end, stepMs: stepMs(inc.step!)!, ...(bounded && { endOpen: true as const }) } };
  }

  private startDatetime(streamId: string, template: string): Date {
    const r = renderString(template, this.scope);
    const at = r.ok ? new Date(r.value) : null;
    if (!at || Number.isNaN(at.getTime())) {
      throw new ProviderError(
        'configuration',
        `stream "${streamId}": start_datetime "${template}" ${r.ok ? `is "${r.value}", not an ISO 8601 instant` : 'has no value on this connection'}`,
      );
    }
    return at;
  }

  private partitionSource(stream: CompiledStream, kind: PartitionKind, modifiedSince: Date | null, req: ReadPageRequest): PartitionSource {
    const on = (signal: AbortSignal): ReadPageRequest => ({ ...req, signal });
    if (kind === 'windows') {
      return {
        page: async (p, live, signal) => {
          const w = windowAt(live.windows!, p.i);
          const page = await this.fetchPage(stream, p.at, w.from, on(signal), undefined, w.to);
          return { type: 'page', i: p.i, records: page.records.filter((r) => inWindow(w, r.lastModifiedAt)), next: page.next as PaginationState | null };
        },
      };
    }
    if (kind === 'pages') {
      const numbered = stream.paginator.numbered!;
      return {
        page: async (p, live, signal) => {
          const page = await this.fetchPage(stream, p.at ?? numbered.nth(p.i), modifiedSince, on(signal));
          const counted = live.pages === null || live.pages === undefined;
          // No total in the first response: the stream is read as one chain.
          const pages = counted ? Math.max(1, numbered.pageCount(page.body) ?? 1) : live.pages!;
          // The last page keeps following the paginator: records added during the read are not cut off.
          const next = p.i >= pages - 1 ? (page.next as PaginationState | null) : null;
          return { type: 'page', i: p.i, records: page.records, next, ...(counted && { pages }) };
        },
      };
    }
    const parent = stream.parent!;
    return {
      page: async (p: OpenPartition, _live, signal) => {
        const page = await this.fetchPage(stream, p.at, modifiedSince, on(signal), p.ctx);
        return { type: 'page', i: p.i, ctx: p.ctx!, records: page.records, next: page.next as PaginationState | null };
      },
      parentPage: async (next, signal) => {
        // The parent is always read in full: a child's incremental bounds say nothing about its parents.
        const page = await this.readStream(parent, next, null, { ...on(signal), modifiedBefore: null });
        return { type: 'parent', contexts: page.records.map((r) => this.childContext(parent.def, r.raw)), next: page.next };
      },
    };
  }

  /** Page state persists in our database; an API key echoed into a next URL must not. */
  private stripAuthQuery(url: string): string {
    const auth = this.def.auth;
    const name =
      auth.type === 'api_key' && auth.location === 'query'
        ? auth.name
        : auth.type === 'oauth2' && auth.token_placement.location === 'query'
          ? auth.token_placement.name
          : undefined;
    if (name === undefined) return url;
    const u = new URL(url);
    u.searchParams.delete(name);
    return u.href;
  }

  private async readChild(stream: CompiledStream, parent: CompiledStream, pageState: JsonValue | null, modifiedSince: Date | null, req: ReadPageRequest): Promise<PageOutcome> {
    let state = pageState === null ? { parentNext: null, parentDone: false, contexts: [], index: 0, page: null } : checkChildState(pageState);

    if (state.index >= state.contexts.length) {
      if (state.parentDone) return { records: [], next: null };
      // The parent is always read in full: a child's incremental bounds say nothing about its parents.
      const parentPage = await this.readStream(parent, state.parentNext, null, { ...req, modifiedBefore: null });
      const contexts = parentPage.records.map((r) => this.childContext(parent.def, r.raw));
      state = { parentNext: parentPage.next, parentDone: parentPage.next === null, contexts, index: 0, page: null };
      // An empty parent page costs one call with no records rather than an unbounded loop here.
      if (contexts.length === 0) return { records: [], next: state.parentDone ? null : toJson(state) };
    }

    const context = state.contexts[state.index]!;
    const page = await this.fetchPage(stream, state.page, modifiedSince, req, context);
    if (page.next !== null) return { records: page.records, next: toJson({ ...state, page: page.next as PaginationState }) };
    const advanced: ChildState = { ...state, index: state.index + 1, page: null };
    const done = advanced.index >= advanced.contexts.length && advanced.parentDone;
    return { records: page.records, next: done ? null : toJson(advanced) };
  }

  private childContext(parent: StreamDefinition, record: Record<string, unknown>): Context {
    const out: Context = {};
    for (const [key, template] of Object.entries(parent.child_context ?? {})) {
      const r = renderTemplate(template, { ...this.scope, record });
      out[key] = r.ok ? (r.value as JsonValue) : null;
    }
    return out;
  }
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

function partitionKind(stream: CompiledStream): PartitionKind | null {
  if (stream.parent) return 'children';
  if (stream.def.incremental?.step !== undefined) return 'windows';
  return stream.paginator.numbered ? 'pages' : null;
}

/** A persisted partitioned state; a child stream's state from before partitions resumes too. */
function checkPartitioned(state: JsonValue, kind: PartitionKind): PartitionedState {
  const s = state as Partial<PartitionedState> | null;
  if (kind === 'children' && s && typeof s === 'object' && !('partitioned' in s)) return fromChildState(checkChildState(state));
  if (!s || typeof s !== 'object' || s.partitioned !== kind || !Number.isInteger(s.next) || !Array.isArray(s.open)) {
    throw new ProviderError(
      'configuration',
      `page state ${JSON.stringify(state).slice(0, 200)} is not this stream's partitioned state (${kind}); restart the sync from the first page`,
    );
  }
  return s as PartitionedState;
}

function fromChildState(c: ChildState): PartitionedState {
  const queue = c.contexts.slice(c.index);
  const current = c.page !== null ? queue.shift() : undefined;
  return {
    partitioned: 'children',
    next: current ? 1 : 0,
    open: current ? [{ i: 0, at: c.page, ctx: current }] : [],
    parent: { next: c.parentNext, done: c.parentDone, queue },
  };
}

function toJson(state: ChildState): JsonValue {
  return state as unknown as JsonValue;
}

function checkChildState(state: JsonValue): ChildState {
  const s = state as Partial<ChildState> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.contexts) || typeof s.index !== 'number' || typeof s.parentDone !== 'boolean' || !('parentNext' in s)) {
    throw new ProviderError('configuration', `page state ${JSON.stringify(state).slice(0, 200)} is not a child-stream state; restart the sync from the first page`);
  }
  return { parentNext: s.parentNext ?? null, parentDone: s.parentDone, contexts: s.contexts, index: s.index, page: (s.page ?? null) as PaginationState | null };
}
