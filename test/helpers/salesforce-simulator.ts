/**
 * A local Salesforce: OAuth token endpoint (login_url; instance_url in the response,
 * no expiry), global describe, sObject describe, SOQL query/queryAll (the subset the
 * provider emits: SELECT … FROM X [WHERE SystemModstamp >= t] ORDER BY SystemModstamp
 * ASC, Id ASC) with nextRecordsUrl paging, deletes (IsDeleted, only via queryAll), 429 with
 * Retry-After on demand, the OpenID Connect userinfo of the token's user, and API usage
 * (Sforce-Limit-Info: api-usage=used/limit) on every REST response.
 */
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';
import { createOAuthSim, RateLimiter, type OAuthSim } from './oauth-sim';

export type SfRecord = Record<string, unknown> & { Id: string; SystemModstamp: string; IsDeleted?: boolean };

const V = 'v58.0';
const F = (name: string, type = 'string') => ({ name, type, nillable: name !== 'Id' });
const BASE = [
  F('Id', 'id'),
  F('IsDeleted', 'boolean'),
  F('CreatedDate', 'datetime'),
  F('LastModifiedDate', 'datetime'),
  F('SystemModstamp', 'datetime'),
  F('OwnerId', 'reference'),
];
export const SF_FIELDS: Record<string, Array<{ name: string; type: string; nillable: boolean }>> = {
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
    F('BillingStreet'),
    F('BillingCity'),
    F('BillingPostalCode'),
    F('BillingCountry'),
    F('LastActivityDate', 'date'),
  ],
  Opportunity: [
    ...BASE,
    F('Name'),
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
    F('City'),
    F('Country'),
    F('ConvertedDate', 'date'),
    F('ConvertedAccountId', 'reference'),
    F('ConvertedContactId', 'reference'),
  ],
  User: [F('Id', 'id'), F('CreatedDate', 'datetime'), F('LastModifiedDate', 'datetime'), F('SystemModstamp', 'datetime'), F('Name'), F('Email', 'email'), F('IsActive', 'boolean')],
  Widget__c: [...BASE, F('Name'), F('Size__c', 'double')],
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
  upsert(sobject: string, r: Record<string, unknown> & { Id: string; SystemModstamp: string }): void;
  remove(sobject: string, id: string, at: string): void;
  queries(): string[];
  close(): Promise<void>;
}

export async function startSalesforceSim(): Promise<SalesforceSim> {
  const rateLimit = new RateLimiter();
  const cursors = new Map<string, SfRecord[]>();
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
      const soql = /^SELECT (.+) FROM (\w+)(?: WHERE SystemModstamp >= (\S+))?(?: ORDER BY SystemModstamp ASC, Id ASC)?$/.exec(q);
      if (!soql || !SF_FIELDS[soql[2]!]) return { status: 400, json: [{ errorCode: 'MALFORMED_QUERY', message: `unsupported SOQL: ${q}` }] };
      const fields = soql[1]!.split(', ');
      const known = new Set(SF_FIELDS[soql[2]!]!.map((f) => f.name));
      const bad = fields.find((f) => !known.has(f) || SF_FIELDS[soql[2]!]!.find((x) => x.name === f)!.type === 'address');
      if (bad) return { status: 400, json: [{ errorCode: 'INVALID_FIELD', message: `No such column '${bad}'` }] };
      const since = soql[3] ? Date.parse(soql[3]) : -Infinity;
      const all = [...sf.records[soql[2]!]!.values()]
        .filter((r) => (m![1] === 'queryAll' || !r.IsDeleted) && Date.parse(r.SystemModstamp) >= since)
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
  sf.sim = await startApiSimulator((req) => {
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
