/**
 * The Connector Builder definition format (a superset of hotglue's). Validation
 * errors are returned to API callers as 400s, so every rule reports the exact
 * field path and what to write instead. Objects are strict: a misspelt key
 * ("paginaton") is an error rather than a silently ignored setting.
 */
import { z } from 'zod';
import { dateFormatProblem } from './date-format';
import { jsonPathSchema as jsonPath } from './json-path';
import { TemplateError, templateRefs, walkStrings, type VarNamespace } from './template';
import { stepProblem } from './windows';
import { checkReadOne, checkWrite, readOneSchema, writeSchema } from './write-definition';

const paramName = z.string().min(1, { error: 'must not be empty' });
const location = z.enum(['query', 'header', 'body']);
const pageSize = z.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

export const parameterSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'parameter names are letters, digits and underscores, not starting with a digit' }),
  label: z.string().optional(),
  description: z.string().optional(),
  required: z.boolean().default(false),
  /** Secret values are encrypted at rest and redacted from every error message. */
  secret: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

export const authSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('api_key'),
      location: z.enum(['header', 'query']),
      name: paramName,
      value: z.string(),
    }),
    z.strictObject({ type: z.literal('basic'), username: z.string(), password: z.string().default('') }),
    z.strictObject({ type: z.literal('bearer'), token: z.string() }),
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({
      type: z.literal('oauth2'),
      /** Where the customer is sent to authorize (the hosted connect adds client_id, redirect_uri, scope, state and PKCE). */
      authorization_url: httpUrl,
      token_url: httpUrl,
      /** Used when the provider's config.oauth.oauth_scopes is empty. */
      scopes: z.array(z.string().min(1)).default([]),
      /** Further authorization request parameters (audience, access_type, prompt, ...). */
      authorization_params: z.record(z.string(), z.string()).default({}),
      /** How the client authenticates at the token endpoint: form fields (default) or HTTP Basic. */
      client_auth: z.enum(['body', 'basic']).default('body'),
      /** Where the access token goes: `Authorization: Bearer <token>` unless said otherwise. */
      token_placement: z
        .strictObject({
          location: z.enum(['header', 'query']).default('header'),
          name: paramName.default('Authorization'),
          /** Before the token; default "Bearer " for the Authorization header, "" otherwise. */
          prefix: z.string().optional(),
        })
        .default({ location: 'header', name: 'Authorization' }),
    }),
  ],
  { error: 'auth.type must be one of api_key, basic, bearer, none, oauth2' },
);

export const paginationSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({
      type: z.literal('page_increment'),
      location: location.default('query'),
      param: paramName,
      start_from: z.number().int().default(1),
      page_size_param: paramName.optional(),
      page_size: pageSize.optional(),
      /** JSONPath to the response's total (of records, or of pages): with it, pages are read concurrently. */
      total_selector: jsonPath.optional(),
      total_unit: z.enum(['records', 'pages']).default('records'),
    }),
    z.strictObject({
      type: z.literal('offset'),
      location: location.default('query'),
      offset_param: paramName,
      /** Where the response says the next offset is; without it, offset += records received. */
      next_offset_selector: jsonPath.optional(),
      limit_param: paramName.optional(),
      limit: pageSize,
      /** JSONPath to the response's total (of records, or of pages): with it, pages are read concurrently. */
      total_selector: jsonPath.optional(),
      total_unit: z.enum(['records', 'pages']).default('records'),
    }),
    z.strictObject({
      type: z.literal('cursor'),
      location: location.default('query'),
      param: paramName,
      next_cursor_selector: jsonPath,
      page_size_param: paramName.optional(),
      page_size: pageSize.optional(),
    }),
    z.strictObject({
      type: z.literal('next_url'),
      /** JSONPath to the next page's URL, or "link_header" for RFC 8288 `Link: <...>; rel="next"`. */
      next_url_selector: z.union([z.literal('link_header'), jsonPath]),
    }),
  ],
  { error: 'pagination.type must be one of none, page_increment, offset, cursor, next_url' },
);

export const incrementalSchema = z.strictObject({
  replication_key: jsonPath,
  location: location.default('query'),
  param: paramName,
  format: z
    .string()
    .default('timestamp')
    .superRefine((f, ctx) => {
      const problem = dateFormatProblem(f);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** The API's upper bound on the replication key (same location and format as `param`): with `step`, the run's range is read in concurrent windows; without, it carries a backfill sub-window's end. */
  end_param: paramName.optional(),
  /** Window length, an ISO 8601 duration of days, hours, minutes or seconds (P1D, PT6H, P1DT12H). */
  step: z
    .string()
    .superRefine((v, ctx) => {
      const problem = stepProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Where a full run's windows start: an ISO 8601 instant or a {config.…} variable holding one. */
  start_datetime: z.string().optional(),
});

export const streamSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_-]*$/, { error: 'stream ids are letters, digits, underscores and hyphens (snake_case recommended)' }),
  name: z.string().optional(),
  path: z.string().startsWith('/', { error: 'path must start with "/" (it is appended to base_url)' }),
  method: z.enum(['GET', 'POST']).default('GET'),
  primary_key: jsonPath.optional(),
  headers: z.record(z.string(), z.string()).default({}),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  /** JSON template for POST requests; string values may contain variables. */
  body: z.record(z.string(), z.json()).optional(),
  pagination: paginationSchema.default({ type: 'none' }),
  incremental: incrementalSchema.optional(),
  records_selector: jsonPath.default('$'),
  schema: z.record(z.string(), z.unknown()).optional(),
  child_context: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/, { error: 'context keys are letters, digits, underscores and hyphens' }), z.string()).optional(),
  parent_stream: z.string().optional(),
  /** How records of this stream are created, updated and upserted (write-definition.ts). */
  write: writeSchema.optional(),
  /** How one record is read by id, for reading back what a write left. */
  read_one: readOneSchema.optional(),
});

export const connectorDefinitionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: 'id must be lowercase letters and digits separated by single hyphens, e.g. "sage-intacct"' }),
    name: z.string().min(1, { error: 'name must not be empty' }),
    domain: z.string().optional(),
    logo_url: z.string().optional(),
    category: z.enum(['crm', 'engagement', 'no_category']).default('no_category'),
    base_url: z.string().min(1, { error: 'base_url must not be empty' }),
    auth: authSchema.default({ type: 'none' }),
    parameters: z.array(parameterSchema).default([]),
    /** Per-connection request budget; defaults come from the HTTP runtime. */
    rate_limit: z
      .strictObject({
        requests_per_second: z.number().positive().optional(),
        burst: z.number().int().positive().optional(),
        concurrency: z.number().int().positive().optional(),
      })
      .optional(),
    streams: z.array(streamSchema).min(1, { error: 'define at least one stream' }),
  })
  .superRefine(checkCrossReferences);

export type ConnectorDefinition = z.output<typeof connectorDefinitionSchema>;
export type StreamDefinition = ConnectorDefinition['streams'][number];
export type PaginationDefinition = StreamDefinition['pagination'];
export type AuthDefinition = ConnectorDefinition['auth'];
type OAuth2AuthDefinition = Extract<AuthDefinition, { type: 'oauth2' }>;

const OAUTH_TOKEN_PARAMS = ['access_token', 'refresh_token'] as const;

/** What precedes the access token where it is placed. */
export function tokenPrefix(auth: OAuth2AuthDefinition): string {
  const p = auth.token_placement;
  return p.prefix ?? (p.location === 'header' && p.name.toLowerCase() === 'authorization' ? 'Bearer ' : '');
}

type Def = z.output<z.ZodObject<(typeof connectorDefinitionSchema)['shape']>>;
type Ctx = z.core.$RefinementCtx<Def>;

function checkCrossReferences(def: Def, ctx: Ctx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  const params = new Set<string>();
  def.parameters.forEach((p, i) => {
    if (params.has(p.name)) issue(['parameters', i, 'name'], `duplicate parameter "${p.name}"`);
    params.add(p.name);
  });

  const streams = new Map<string, StreamDefinition>();
  def.streams.forEach((s, i) => {
    if (streams.has(s.id)) issue(['streams', i, 'id'], `duplicate stream id "${s.id}"`);
    else streams.set(s.id, s);
  });

  def.streams.forEach((s, i) => {
    if (s.parent_stream === undefined) return;
    if (s.parent_stream === s.id) issue(['streams', i, 'parent_stream'], `stream "${s.id}" cannot be its own parent`);
    else if (!streams.has(s.parent_stream)) {
      issue(['streams', i, 'parent_stream'], `unknown parent stream "${s.parent_stream}" (streams: ${[...streams.keys()].join(', ')})`);
    } else {
      const seen = new Set([s.id]);
      for (let cur = streams.get(s.parent_stream); cur; cur = cur.parent_stream ? streams.get(cur.parent_stream) : undefined) {
        if (seen.has(cur.id)) {
          issue(['streams', i, 'parent_stream'], `parent_stream cycle: ${[...seen, cur.id].join(' -> ')}`);
          break;
        }
        seen.add(cur.id);
      }
    }
  });

  // Checks every variable in a templated string: namespace allowed here, and it refers to something declared.
  // droppable: a query/header/body value, where an undeclared {config.X} is tolerated as an
  // implicit optional parameter (the issue's own example uses {config.status} that way).
  const checkTemplate = (text: string, path: (string | number)[], allowed: VarNamespace[], parentKeys?: Set<string>, droppable = false) => {
    let refs: ReturnType<typeof templateRefs>;
    try {
      refs = templateRefs(text);
    } catch (e) {
      issue(path, e instanceof TemplateError ? e.message : String(e));
      return;
    }
    for (const ref of refs) {
      const label = `{${ref.ns}.${ref.name}}`;
      if (!allowed.includes(ref.ns)) {
        issue(path, `${label} is not available here (allowed: ${allowed.map((n) => `{${n}.…}`).join(', ')})`);
      } else if (ref.ns === 'config' && !params.has(ref.name) && !droppable) {
        issue(path, `${label} refers to undeclared parameter "${ref.name}" (declared: ${[...params].join(', ') || 'none'})`);
      } else if (ref.ns === 'parent' && parentKeys && !parentKeys.has(ref.name)) {
        issue(path, `${label} is not in the parent stream's child_context (keys: ${[...parentKeys].join(', ') || 'none'})`);
      }
    }
  };

  checkTemplate(def.base_url, ['base_url'], ['config']);
  checkBaseUrl(def.base_url, (m) => issue(['base_url'], m));
  const auth = def.auth;
  if (auth.type === 'api_key') checkTemplate(auth.value, ['auth', 'value'], ['config']);
  if (auth.type === 'basic') {
    checkTemplate(auth.username, ['auth', 'username'], ['config']);
    checkTemplate(auth.password, ['auth', 'password'], ['config']);
  }
  if (auth.type === 'bearer') checkTemplate(auth.token, ['auth', 'token'], ['config']);

  def.streams.forEach((s, i) => {
    const at = (...rest: (string | number)[]) => ['streams', i, ...rest];
    const parent = s.parent_stream ? streams.get(s.parent_stream) : undefined;
    const parentKeys = parent ? new Set(Object.keys(parent.child_context ?? {})) : undefined;
    if (parent && !parent.child_context) {
      issue(at('parent_stream'), `parent stream "${parent.id}" must define child_context for "${s.id}" to use`);
    }
    const requestNs: VarNamespace[] = parent ? ['config', 'parent'] : ['config'];
    checkTemplate(s.path, at('path'), requestNs, parentKeys);
    for (const [k, v] of Object.entries(s.headers)) checkTemplate(v, at('headers', k), requestNs, parentKeys, true);
    for (const [k, v] of Object.entries(s.query)) if (typeof v === 'string') checkTemplate(v, at('query', k), requestNs, parentKeys, true);
    if (s.body) walkStrings(s.body, [], (text, p) => checkTemplate(text, at('body', ...p), requestNs, parentKeys, true));
    for (const [k, v] of Object.entries(s.child_context ?? {})) checkTemplate(v, at('child_context', k), ['config', 'record']);

    if (s.body && s.method !== 'POST') issue(at('body'), 'body is only sent with method POST');
    const pg = s.pagination;
    if ('location' in pg && pg.location === 'body' && s.method !== 'POST') issue(at('pagination', 'location'), 'location "body" requires method POST');
    if (s.incremental?.location === 'body' && s.method !== 'POST') issue(at('incremental', 'location'), 'location "body" requires method POST');
    if ((pg.type === 'page_increment' || pg.type === 'cursor') && pg.page_size_param !== undefined && pg.page_size === undefined) {
      issue(at('pagination', 'page_size'), 'page_size is required when page_size_param is set');
    }
    checkPartitions(s, at, parent !== undefined, issue);
    if (s.incremental?.start_datetime !== undefined) checkTemplate(s.incremental.start_datetime, at('incremental', 'start_datetime'), ['config']);
    if (s.write) checkWrite(s.write, at(), params, s.primary_key, issue);
    if (s.read_one) checkReadOne(s.read_one, at(), params, issue);
  });
}

/** Date windows and numbered pages: the fields they need, and where they cannot apply. */
function checkPartitions(
  s: StreamDefinition,
  at: (...rest: (string | number)[]) => (string | number)[],
  isChild: boolean,
  issue: (path: (string | number)[], message: string) => void,
): void {
  const inc = s.incremental;
  const pg = s.pagination;
  if (inc) {
    if (inc.step !== undefined && inc.end_param === undefined) issue(at('incremental', 'end_param'), "end_param (the API's upper bound) is required when step is set");
    if (inc.step !== undefined && inc.start_datetime === undefined)
      issue(at('incremental', 'start_datetime'), "start_datetime (where a full run's windows start) is required when step is set");
    const start = inc.start_datetime;
    if (start !== undefined && !start.includes('{') && Number.isNaN(Date.parse(start)))
      issue(at('incremental', 'start_datetime'), `"${start}" is not an ISO 8601 instant such as 2020-01-01T00:00:00Z`);
    if (inc.step !== undefined && isChild) issue(at('incremental', 'step'), "date windows are not supported on child streams (their parents' records are read concurrently)");
  }
  if ((pg.type === 'page_increment' || pg.type === 'offset') && pg.total_selector !== undefined) {
    if (isChild) issue(at('pagination', 'total_selector'), "total_selector is not supported on child streams (their parents' records are read concurrently)");
    if (inc?.step !== undefined) issue(at('pagination', 'total_selector'), 'use either date windows (incremental.step) or total_selector, not both');
    if (pg.type === 'page_increment' && pg.total_unit === 'records' && pg.page_size === undefined) {
      issue(at('pagination', 'page_size'), 'page_size is required when total_selector counts records');
    }
    if (pg.type === 'offset' && pg.next_offset_selector !== undefined) {
      issue(at('pagination', 'total_selector'), 'total_selector needs offsets counted from limit; it cannot be combined with next_offset_selector');
    }
  }
}

/**
 * The parameters a connection may set: the declared ones, and the undeclared `{config.X}` of query,
 * header and body values, which checkCrossReferences tolerates as implicitly optional.
 */
export function connectionParameterNames(def: ConnectorDefinition): Set<string> {
  const names = new Set(def.parameters.map((p) => p.name));
  // The tokens the authorization gave (or a caller obtained elsewhere).
  if (def.auth.type === 'oauth2') for (const n of OAUTH_TOKEN_PARAMS) names.add(n);
  for (const s of def.streams) {
    walkStrings([s.headers, s.query, s.body ?? {}], [], (text) => {
      for (const ref of templateRefs(text)) if (ref.ns === 'config') names.add(ref.name);
    });
  }
  return names;
}

function checkBaseUrl(baseUrl: string, report: (message: string) => void): void {
  // A base URL that starts with a variable (e.g. {config.instance_url}) is checked at request time.
  if (baseUrl.startsWith('{')) return;
  const sample = baseUrl.replace(/\{[^{}]*\}/g, 'x');
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    report(`base_url "${baseUrl}" is not an absolute URL such as https://api.example.com/v1`);
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') report(`base_url must use http or https, not ${url.protocol}`);
  if (url.search || url.hash) report('base_url must not contain a query string or fragment; use stream query parameters');
}

export interface DefinitionIssue {
  /** Dotted path to the offending field, e.g. "streams.1.pagination.param". */
  path: string;
  message: string;
}

export function definitionIssues(error: z.ZodError): DefinitionIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export class ConnectorDefinitionError extends Error {
  constructor(readonly issues: DefinitionIssue[]) {
    super(`invalid connector definition: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ConnectorDefinitionError';
  }
}

/** Parses and validates a definition, throwing ConnectorDefinitionError with field-level issues. */
export function parseConnectorDefinition(input: unknown): ConnectorDefinition {
  const result = connectorDefinitionSchema.safeParse(input);
  if (!result.success) throw new ConnectorDefinitionError(definitionIssues(result.error));
  return result.data;
}
