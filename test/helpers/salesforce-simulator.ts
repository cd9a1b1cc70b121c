/**
 * A local Salesforce: OAuth token endpoint (login_url; instance_url in the response,
 * no expiry), global describe, sObject describe, SOQL query/queryAll (the subset the
 * provider emits: SELECT … FROM X [WHERE SystemModstamp >= t [AND SystemModstamp < u]] ORDER BY
 * SystemModstamp ASC, Id ASC, compared to the second as Salesforce does) with nextRecordsUrl
 * paging and the queries in flight counted, deletes (IsDeleted, only via queryAll), 429 with
 * Retry-After on demand, the OpenID Connect userinfo of the token's user, and API usage
 * (Sforce-Limit-Info: api-usage=used/limit) on every REST response.
 * Writes: sObject Collections create (POST composite/sobjects), update (PATCH) and upsert by
 * external id (PATCH composite/sobjects/{type}/{field}), allOrNone true or false, with
 * Salesforce's whole-request errors (INVALID_TYPE, INVALID_FIELD for an unknown column,
 * JSON_PARSER_ERROR for a value of the wrong type) and per-record ones (REQUIRED_FIELD_MISSING,
 * INVALID_EMAIL_ADDRESS, INVALID_FIELD_FOR_INSERT_UPDATE, DUPLICATE_VALUE on unique fields,
 * DUPLICATES_DETECTED under a duplicate rule, MALFORMED_ID / ENTITY_IS_DELETED /
 * INVALID_CROSS_REFERENCE_KEY for an update's id); single-record GET sobjects/{type}/{id};
 * SOQL `WHERE Field IN (...)`; one-shot injected failures (failNext).
 */
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';
import { createOAuthSim, RateLimiter, type OAuthSim } from './oauth-sim';

export type SfRecord = Record<string, unknown> & { Id: string; SystemModstamp: string; IsDeleted?: boolean };

const V = 'v58.0';
type SfField = { name: string; type: string; nillable: boolean; externalId?: boolean; unique?: boolean };
const F = (name: string, type = 'string', flags: { externalId?: boolean; unique?: boolean } = {}): SfField => ({ name, type, nillable: name !== 'Id', ...flags });
const BASE = [
  F('Id', 'id'),
  F('IsDeleted', 'boolean'),
  F('CreatedDate', 'datetime'),
  F('LastModifiedDate', 'datetime'),
  F('SystemModstamp', 'datetime'),
  F('OwnerId', 'reference'),
];
export const SF_FIELDS: Record<string, SfField[]> = {
  Contact: [
    ...BASE,
    F('FirstName'),
    F('LastName'),
    F('Email', 'email'),
    F('Phone', 'phone'),
    F('MobilePhone', 'phone'),
    F('AccountId', 'reference'),
    F('MailingStreet'),
    F('MailingCity'),
    F('MailingState'),
    F('MailingPostalCode'),
    F('MailingCountry'),
    F('MailingAddress', 'address'),
    F('LastActivityDate', 'date'),
  ],
  Account: [
    ...BASE,
    F('Name'),
    F('Description', 'textarea'),
    F('Industry', 'picklist'),
    F('Website', 'url'),
    F('NumberOfEmployees', 'int'),
    F('Phone', 'phone'),
    F('Fax', 'phone'),
    F('BillingStreet'),
    F('BillingCity'),
    F('BillingState'),
    F('BillingPostalCode'),
    F('BillingCountry'),
    F('ShippingStreet'),
    F('ShippingCity'),
    F('ShippingState'),
    F('ShippingPostalCode'),
    F('ShippingCountry'),
    F('LastActivityDate', 'date'),
    F('Tier__c', 'picklist'),
    F('Erp_Id__c', 'string', { externalId: true, unique: true }),
  ],
  Opportunity: [
    ...BASE,
    F('Name'),
    F('Description', 'textarea'),
    F('Amount', 'currency'),
    F('StageName', 'picklist'),
    F('IsClosed', 'boolean'),
    F('IsWon', 'boolean'),
    F('CloseDate', 'date'),
    F('AccountId', 'reference'),
  ],
  Lead: [
    ...BASE,
    F('FirstName'),
    F('LastName'),
    F('Company'),
    F('Title'),
    F('LeadSource', 'picklist'),
    F('Email', 'email'),
    F('Phone', 'phone'),
    F('MobilePhone', 'phone'),
    F('Street'),
    F('City'),
    F('State'),
    F('PostalCode'),
    F('Country'),
    F('ConvertedDate', 'date'),
    F('ConvertedAccountId', 'reference'),
    F('ConvertedContactId', 'reference'),
  ],
  User: [F('Id', 'id'), F('CreatedDate', 'datetime'), F('LastModifiedDate', 'datetime'), F('SystemModstamp', 'datetime'), F('Name'), F('Email', 'email'), F('IsActive', 'boolean')],
  Widget__c: [...BASE, F('Name'), F('Size__c', 'double'), F('Sku__c', 'string', { externalId: true, unique: true })],
};

export interface SalesforceSim {
  sim: ApiSimulator;
  url: string;
  oauth: OAuthSim;
  rateLimit: RateLimiter;
  records: Record<string, Map<string, SfRecord>>;
  /** Records per query page (Salesforce: 2,000). */
  batchSize: number;
  /** Bulk API 2.0: records per results page, and how many polls answer InProgress. */
  bulkPageSize: number;
  bulkPolls: number;
  /** What /services/oauth2/userinfo answers for any valid token. */
  userinfo: Record<string, unknown>;
  /** REST requests answered so far, and the org's daily allowance, as Sforce-Limit-Info reports them. */
  apiUsage: number;
  apiLimit: number;
  /** Fields a duplicate rule blocks per object (e.g. { Contact: ['Email'] }): a second record with the same value gets DUPLICATES_DETECTED. */
  duplicateRules: Record<string, string[]>;
  /** Answers the next request that matches with `res` instead of handling it (an outage, a 5xx). */
  failNext(match: (req: RecordedRequest) => boolean, res: SimResponse): void;
  /** The sObject Collections requests received (create, update, upsert). */
  writes(): RecordedRequest[];
  upsert(sobject: string, r: Record<string, unknown> & { Id: string; SystemModstamp: string }): void;
  remove(sobject: string, id: string, at: string): void;
  queries(): string[];
  /** How long a query (or a query page) takes to answer, and the most answered at once. */
  queryDelayMs: number;
  maxQueriesInFlight: number;
  /** Releases every query locator, as Salesforce does beyond 10 per user or after 15 idle minutes: their nextRecordsUrl answers INVALID_QUERY_LOCATOR. */
  releaseLocators(): void;
  close(): Promise<void>;
}

export async function startSalesforceSim(): Promise<SalesforceSim> {
  const rateLimit = new RateLimiter();
  const cursors = new Map<string, SfRecord[]>();
  const faults: Array<{ match: (req: RecordedRequest) => boolean; res: SimResponse }> = [];
  const jobs = new Map<string, { fields: string[]; rows: unknown[][]; polls: number }>();
  let cursorN = 0;
  const sf: SalesforceSim = {
    sim: undefined as unknown as ApiSimulator,
    url: '',
    oauth: undefined as unknown as OAuthSim,
    rateLimit,
    records: Object.fromEntries(Object.keys(SF_FIELDS).map((k) => [k, new Map<string, SfRecord>()])),
    batchSize: 2,
    bulkPageSize: 2,
    bulkPolls: 0,
    userinfo: {},
    duplicateRules: {},
    failNext: (match, res) => void faults.push({ match, res }),
    writes: () => sf.sim.requests.filter((r) => r.path.startsWith(`/services/data/${V}/composite/sobjects`)),
    apiUsage: 0,
    apiLimit: 15_000,
    upsert(sobject, r) {
      const prev = sf.records[sobject]!.get(r.Id);
      const withDeleted = sobject === 'User' ? {} : { IsDeleted: false };
      sf.records[sobject]!.set(r.Id, { CreatedDate: prev?.CreatedDate ?? r.SystemModstamp, ...withDeleted, ...r, LastModifiedDate: r.SystemModstamp } as unknown as SfRecord);
    },
    remove(sobject, id, at) {
      const r = sf.records[sobject]!.get(id)!;
      sf.records[sobject]!.set(id, { ...r, IsDeleted: true, SystemModstamp: at });
    },
    queries: () => sf.sim.requests.filter((r) => /\/(query|queryAll)$/.test(r.path)).map((r) => r.query.q!),
    queryDelayMs: 0,
    maxQueriesInFlight: 0,
    releaseLocators: () => cursors.clear(),
    close: () => sf.sim.close(),
  };

  const page = (all: SfRecord[], offset: number): SimResponse => {
    const batch = all.slice(offset, offset + sf.batchSize);
    const done = offset + sf.batchSize >= all.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const id = `01g${++cursorN}`;
      cursors.set(id, all);
      nextRecordsUrl = `/services/data/${V}/query/${id}-${offset + sf.batchSize}`;
    }
    return { json: { totalSize: all.length, done, records: batch, ...(nextRecordsUrl ? { nextRecordsUrl } : {}) } };
  };

  const route = (req: RecordedRequest): SimResponse => {
    if (req.path === '/services/oauth2/token' && req.method === 'POST') return sf.oauth.tokenEndpoint(req);
    if (sf.oauth.check(req)) return { status: 401, json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    if (req.path === '/services/oauth2/userinfo') return { json: sf.userinfo };
    const limited = rateLimit.check(req, [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    if (limited) return limited;
    const fault = faults.findIndex((f) => f.match(req));
    if (fault >= 0) return faults.splice(fault, 1)[0]!.res;
    const written = writeRoute(sf, req);
    if (written) return written;

    if (req.path === `/services/data/${V}/sobjects`) {
      return {
        json: {
          sobjects: [
            ...Object.keys(SF_FIELDS).map((name) => ({ name, label: name.replace('__c', ''), queryable: true, custom: name.endsWith('__c') })),
            { name: 'Secret', queryable: false, custom: false },
            { name: 'AcceptedEventRelation', queryable: true, custom: false },
          ],
        },
      };
    }
    let m = /^\/services\/data\/v58\.0\/sobjects\/(\w+)\/describe$/.exec(req.path);
    if (m)
      return SF_FIELDS[m[1]!]
        ? { json: { name: m[1], fields: SF_FIELDS[m[1]!] } }
        : { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };

    m = /^\/services\/data\/v58\.0\/(query|queryAll)$/.exec(req.path);
    if (m) {
      const q = req.query.q ?? '';
      const soql =
        /^SELECT (.+) FROM (\w+)(?: WHERE (?:SystemModstamp >= (\S+)(?: AND SystemModstamp < (\S+))?|(\w+) IN \((.*)\)))?(?: ORDER BY SystemModstamp ASC, Id ASC)?$/.exec(q);
      if (!soql || !SF_FIELDS[soql[2]!]) return { status: 400, json: [{ errorCode: 'MALFORMED_QUERY', message: `unsupported SOQL: ${q}` }] };
      const fields = soql[1]!.split(', ');
      const known = new Set(SF_FIELDS[soql[2]!]!.map((f) => f.name));
      const bad = fields.find((f) => !known.has(f) || SF_FIELDS[soql[2]!]!.find((x) => x.name === f)!.type === 'address');
      if (bad) return { status: 400, json: [{ errorCode: 'INVALID_FIELD', message: `No such column '${bad}'` }] };
      if (soql[5] && !known.has(soql[5])) return { status: 400, json: [{ errorCode: 'INVALID_FIELD', message: `No such column '${soql[5]}' on entity '${soql[2]}'` }] };
      const bounds = [soql[3], soql[4]].map((t) => (t === undefined ? undefined : seconds(Date.parse(t))));
      if (bounds.some((b) => b !== undefined && Number.isNaN(b))) return { status: 400, json: [{ errorCode: 'MALFORMED_QUERY', message: `invalid dateTime in ${q}` }] };
      const [since = -Infinity, before = Infinity] = bounds;
      // Text comparisons in SOQL ignore case (Email IN (...) finds ADA@example.com too).
      const among = soql[5] ? new Set(soqlStrings(soql[6]!).map((v) => v.toLowerCase())) : null;
      const all = [...sf.records[soql[2]!]!.values()]
        .filter((r) => (m![1] === 'queryAll' || !r.IsDeleted) && seconds(Date.parse(r.SystemModstamp)) >= since && seconds(Date.parse(r.SystemModstamp)) < before)
        .filter((r) => !among || (typeof r[soql[5]!] === 'string' && among.has((r[soql[5]!] as string).toLowerCase())))
        .sort((a, b) => a.SystemModstamp.localeCompare(b.SystemModstamp) || a.Id.localeCompare(b.Id))
        .map(
          (r) =>
            ({
              attributes: { type: soql[2], url: `/services/data/${V}/sobjects/${soql[2]}/${r.Id}` },
              ...Object.fromEntries(fields.map((f) => [f, r[f] ?? null])),
            }) as unknown as SfRecord,
        );
      return page(all, 0);
    }
    if (req.path === `/services/data/${V}/jobs/query` && req.method === 'POST') {
      const body = req.json as { operation: string; query: string; contentType?: string };
      const soql = /^SELECT (.+) FROM (\w+)$/.exec(body.query);
      if (body.operation !== 'query' || !soql || !SF_FIELDS[soql[2]!]) return { status: 400, json: [{ errorCode: 'INVALIDJOB', message: `unsupported job ${body.query}` }] };
      const fields = soql[1]!.split(', ');
      const rows = [...sf.records[soql[2]!]!.values()].filter((r) => !r.IsDeleted).map((r) => fields.map((f) => r[f] ?? null));
      const id = `750${++cursorN}`;
      jobs.set(id, { fields, rows, polls: sf.bulkPolls });
      return { json: { id, operation: 'query', object: soql[2], state: 'UploadComplete' } };
    }
    m = /^\/services\/data\/v58\.0\/jobs\/query\/(750\d+)(\/results)?$/.exec(req.path);
    if (m) {
      const job = jobs.get(m[1]!);
      if (!job) return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'job not found' }] };
      if (!m[2]) return { json: { id: m[1], state: job.polls-- > 0 ? 'InProgress' : 'JobComplete' } };
      const offset = Number(req.query.locator ?? 0);
      const size = Math.min(Number(req.query.maxRecords ?? 1000), sf.bulkPageSize);
      const cell = (v: unknown) => {
        if (v === null || v === undefined) return '';
        const t = String(v);
        return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
      };
      const csv = [job.fields, ...job.rows.slice(offset, offset + size)].map((r) => r.map(cell).join(',')).join('\n') + '\n';
      const next = offset + size < job.rows.length ? String(offset + size) : 'null';
      return { headers: { 'content-type': 'text/csv', 'sforce-locator': next, 'sforce-numberofrecords': String(Math.min(size, job.rows.length - offset)) }, body: csv };
    }

    m = /^\/services\/data\/v58\.0\/query\/(01g\d+)-(\d+)$/.exec(req.path);
    if (m) {
      const all = cursors.get(m[1]!);
      return all ? page(all, Number(m[2])) : { status: 400, json: [{ errorCode: 'INVALID_QUERY_LOCATOR', message: 'invalid query locator' }] };
    }
    return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: `no route ${req.path}` }] };
  };
  let queriesInFlight = 0;
  sf.sim = await startApiSimulator(async (req) => {
    const query = /^\/services\/data\/v58\.0\/(query|queryAll)(\/|$)/.test(req.path);
    if (query) {
      sf.maxQueriesInFlight = Math.max(sf.maxQueriesInFlight, ++queriesInFlight);
      await new Promise((r) => setTimeout(r, sf.queryDelayMs));
      queriesInFlight--;
    }
    const res = route(req);
    if (!req.path.startsWith('/services/data/') || res.status === 401) return res;
    sf.apiUsage++;
    return { ...res, headers: { ...res.headers, 'sforce-limit-info': `api-usage=${sf.apiUsage}/${sf.apiLimit}` } };
  });
  sf.url = sf.sim.url;
  sf.oauth = createOAuthSim({ sendExpiresIn: false, extra: { instance_url: sf.url, id: `${sf.url}/id/00D000000000001/005A`, issued_at: String(Date.now()) } });
  sf.userinfo = {
    sub: `${sf.url}/id/00D000000000001/005A`,
    user_id: '005A',
    organization_id: '00D000000000001',
    preferred_username: 'olive@acme.example',
    name: 'Olive Owner',
    email: 'olive@example.com',
    email_verified: true,
    zoneinfo: 'Europe/Paris',
    active: true,
    user_type: 'STANDARD',
    urls: { rest: `${sf.url}/services/data/v{version}/`, profile: `${sf.url}/005A` },
  };
  return sf;
}

/** Salesforce compares dateTimes ignoring their milliseconds. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/** The values of a SOQL list of string literals: 'a', 'it\'s'. */
function soqlStrings(list: string): string[] {
  return [...list.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

/** Key prefixes of record ids, as Salesforce's: an id of another prefix is MALFORMED_ID for that object. */
const KEY_PREFIX: Record<string, string> = { Contact: '003', Account: '001', Opportunity: '006', Lead: '00Q', User: '005', Widget__c: 'a01' };
const REQUIRED: Record<string, string[]> = { Contact: ['LastName'], Account: ['Name'], Opportunity: ['Name', 'StageName', 'CloseDate'], Lead: ['LastName', 'Company'] };
/** System and formula fields: not createable or updateable. */
const READ_ONLY = new Set([
  'Id',
  'IsDeleted',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'IsClosed',
  'IsWon',
  'ConvertedDate',
  'ConvertedAccountId',
  'ConvertedContactId',
  'LastActivityDate',
]);
const JSON_TYPES: Record<string, string> = { int: 'number', double: 'number', currency: 'number', percent: 'number', boolean: 'boolean' };

type SfError = { statusCode: string; message: string; fields: string[] };
type SaveResult = { id?: string; success: boolean; errors: SfError[]; created?: boolean };
type Incoming = Record<string, unknown> & { attributes?: { type?: string } };

let idN = 0;
const newId = (type: string) => `${KEY_PREFIX[type] ?? 'a0Z'}W${String(++idN).padStart(11, '0')}`;
const err = (statusCode: string, message: string, fields: string[] = []): SfError => ({ statusCode, message, fields });
const whole = (errorCode: string, message: string): SimResponse => ({ status: 400, json: [{ message, errorCode }] });
const fieldsOf = (type: string) => new Map(SF_FIELDS[type]!.map((f) => [f.name, f]));
const isId = (k: string) => k.toLowerCase() === 'id';

/** sObject Collections create / update / upsert, and GET sobjects/{type}/{id}; null when the request is for another route. */
function writeRoute(sf: SalesforceSim, req: RecordedRequest): SimResponse | null {
  const base = `/services/data/${V}`;
  const get = new RegExp(`^${base.replace(/\./g, '\\.')}/sobjects/(\\w+)/([A-Za-z0-9]{3,18})$`).exec(req.path);
  if (get && req.method === 'GET' && get[2] !== 'describe') return readOne(sf, get[1]!, get[2]!, req.query.fields);
  const upsertPath = new RegExp(`^${base.replace(/\./g, '\\.')}/composite/sobjects/(\\w+)/(\\w+)$`).exec(req.path);
  const collection = req.path === `${base}/composite/sobjects`;
  if (!collection && !upsertPath) return null;
  if (!(collection && (req.method === 'POST' || req.method === 'PATCH')) && !(upsertPath && req.method === 'PATCH')) {
    return { status: 405, json: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${req.method}' not allowed. Allowed are GET,POST,PATCH,DELETE` }] };
  }
  const body = req.json as { allOrNone?: boolean; records?: Incoming[] } | undefined;
  const records = body?.records;
  if (!Array.isArray(records)) return whole('JSON_PARSER_ERROR', 'The request body must contain records');
  if (records.length > 200) return whole('EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
  for (const r of records) {
    const type = r.attributes?.type;
    if (!type || !SF_FIELDS[type]) {
      return whole(
        'INVALID_TYPE',
        `sObject type '${type ?? ''}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    if (upsertPath && type !== upsertPath[1]) return whole('INVALID_TYPE', `Record type ${type} does not match the type ${upsertPath[1]} of the request URI`);
    const known = fieldsOf(type);
    for (const [k, v] of Object.entries(r)) {
      if (k === 'attributes' || isId(k)) continue;
      const f = known.get(k);
      if (!f) return whole('INVALID_FIELD', `No such column '${k}' on sobject of type ${type}`);
      const expected = JSON_TYPES[f.type] ?? 'string';
      const badDate =
        (f.type === 'date' && typeof v === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) || (f.type === 'datetime' && typeof v === 'string' && Number.isNaN(Date.parse(v)));
      if ((v !== null && typeof v !== expected) || badDate) {
        return whole(
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of ${f.type} from VALUE_STRING value ${JSON.stringify(v)} or request may be missing a required field at [line:1, column:1]`,
        );
      }
    }
  }
  if (upsertPath) {
    const f = SF_FIELDS[upsertPath[1]!] && fieldsOf(upsertPath[1]!).get(upsertPath[2]!);
    if (!SF_FIELDS[upsertPath[1]!]) return whole('INVALID_TYPE', `sObject type '${upsertPath[1]}' is not supported.`);
    if (!f?.externalId) return whole('INVALID_FIELD', `Field ${upsertPath[2]} is not an External ID or indexed field for ${upsertPath[1]}`);
  }

  // Each record is saved on a copy of the store: with allOrNone the copy is dropped on any failure.
  const staged = Object.fromEntries(Object.entries(sf.records).map(([k, m]) => [k, new Map(m)]));
  const now = new Date().toISOString();
  const results: SaveResult[] = records.map((r, i) => {
    const type = r.attributes!.type!;
    const { attributes: _a, ...fields } = r;
    const idKey = Object.keys(fields).find(isId);
    const id = idKey ? String(fields[idKey]) : undefined;
    if (idKey) delete fields[idKey];
    const store = staged[type]!;
    if (req.method === 'POST') {
      if (id) return { success: false, errors: [err('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id'])] };
      return save(sf, store, type, undefined, fields, now);
    }
    if (upsertPath) {
      const field = upsertPath[2]!;
      const value = fields[field];
      if (id) return { success: false, errors: [err('INVALID_FIELD', `Don't use record ids in an upsert by ${field}: use the external ID field`, ['Id'])] };
      if (value === undefined || value === null || value === '') return { success: false, errors: [err('MISSING_ARGUMENT', `${field} not specified`, [field])] };
      const twice = records.some((o, j) => j !== i && String(o[field]).toLowerCase() === String(value).toLowerCase());
      if (twice) return { success: false, errors: [err('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [field])] };
      const matches = [...store.values()].filter((x) => !x.IsDeleted && String(x[field] ?? '').toLowerCase() === String(value).toLowerCase());
      if (matches.length > 1) return { success: false, errors: [err('DUPLICATE_EXTERNAL_ID', `${field}: more than one record found for external id field: ${value}`, [field])] };
      const out = save(sf, store, type, matches[0]?.Id, fields, now);
      return out.success ? { ...out, created: matches.length === 0 } : out;
    }
    // Update: the id must be of this object's key prefix and name a live record.
    if (!id) return { success: false, errors: [err('MISSING_ARGUMENT', 'Id not specified in an update call', [])] };
    if (!id.startsWith(KEY_PREFIX[type] ?? '') || !/^[A-Za-z0-9]{3,18}$/.test(id)) {
      return { success: false, errors: [err('MALFORMED_ID', `${type} ID: id value of incorrect type: ${id}`, ['Id'])] };
    }
    const prev = store.get(id);
    if (prev?.IsDeleted) return { success: false, errors: [err('ENTITY_IS_DELETED', 'entity is deleted', [])] };
    if (!prev) return { success: false, errors: [err('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])] };
    return save(sf, store, type, id, fields, now);
  });
  if (body?.allOrNone && results.some((r) => !r.success)) {
    return {
      json: results.map((r) =>
        r.success
          ? {
              success: false,
              errors: [err('ALL_OR_NONE_OPERATION_ROLLED_BACK', 'Record rolled back because not all records were valid and the request was using AllOrNone header')],
            }
          : r,
      ),
    };
  }
  for (const [k, m] of Object.entries(staged)) sf.records[k] = m;
  return { json: results };
}

/** Validates and stores one record (a create when `id` is undefined); SystemModstamp and LastModifiedDate move to `now`. */
function save(sf: SalesforceSim, store: Map<string, SfRecord>, type: string, id: string | undefined, fields: Record<string, unknown>, now: string): SaveResult {
  const readOnly = Object.keys(fields).filter((k) => READ_ONLY.has(k));
  if (readOnly.length) {
    const list = readOnly.join(', ');
    return {
      success: false,
      errors: [
        err(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${list}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          readOnly,
        ),
      ],
    };
  }
  const prev = id ? store.get(id) : undefined;
  const next: Record<string, unknown> = { ...prev, ...fields };
  const missing = (REQUIRED[type] ?? []).filter((f) => next[f] === undefined || next[f] === null || next[f] === '');
  if (missing.length) return { success: false, errors: [err('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing)] };
  for (const f of SF_FIELDS[type]!) {
    const v = fields[f.name];
    if (f.type === 'email' && typeof v === 'string' && v !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) {
      return { success: false, errors: [err('INVALID_EMAIL_ADDRESS', `${f.name}: invalid email address: ${v}`, [f.name])] };
    }
    const clash = (x: SfRecord) => x.Id !== id && !x.IsDeleted && typeof v === 'string' && String(x[f.name] ?? '').toLowerCase() === v.toLowerCase();
    if (f.unique && v !== undefined && v !== null) {
      const other = [...store.values()].find(clash);
      if (other) return { success: false, errors: [err('DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${other.Id}`, [])] };
    }
    if (sf.duplicateRules[type]?.includes(f.name) && v !== undefined && v !== null && [...store.values()].some(clash)) {
      return { success: false, errors: [err('DUPLICATES_DETECTED', 'Use one of these records?', [])] };
    }
  }
  const saved = { ...next, Id: id ?? newId(type), IsDeleted: false, LastModifiedDate: now, SystemModstamp: now } as SfRecord;
  if (!prev) {
    saved.CreatedDate = now;
    saved.OwnerId ??= '005A'; // the API user owns what it creates
  }
  if (type === 'Opportunity' && typeof saved.StageName === 'string') {
    saved.IsClosed = saved.StageName.startsWith('Closed');
    saved.IsWon = saved.StageName === 'Closed Won';
  }
  store.set(saved.Id, saved);
  return { id: saved.Id, success: true, errors: [] };
}

/** GET sobjects/{type}/{id}[?fields=a,b]: the record with its attributes; 404 NOT_FOUND for an unknown or deleted one. */
function readOne(sf: SalesforceSim, type: string, id: string, fieldList: string | undefined): SimResponse {
  const notFound: SimResponse = { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  const r = SF_FIELDS[type] ? sf.records[type]!.get(id) : undefined;
  if (!r || r.IsDeleted) return notFound;
  const known = fieldsOf(type);
  const names = fieldList ? fieldList.split(',') : [...known.keys()];
  const bad = names.find((n) => !known.has(n));
  if (bad) return { status: 400, json: [{ errorCode: 'INVALID_FIELD', message: `No such column '${bad}' on entity '${type}'` }] };
  return { json: { attributes: { type, url: `/services/data/${V}/sobjects/${type}/${id}` }, ...Object.fromEntries(names.map((n) => [n, r[n] ?? null])) } };
}
