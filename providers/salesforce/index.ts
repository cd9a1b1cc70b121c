/**
 * Built-in Salesforce provider (REST API). Reads run one SOQL query per object —
 * `SELECT <describe fields> FROM X [WHERE SystemModstamp >= since] ORDER BY
 * SystemModstamp, Id` — and follow `nextRecordsUrl`; incremental reads use
 * `queryAll`, which also returns deleted records (IsDeleted → isDeleted). The API
 * base is the connection's instance_url (refreshed token responses may move it).
 * Salesforce issues no expiry with its tokens: they are refreshed on 401.
 * Bulk API 2.0 is not used (large initial loads page through REST at 2,000 a page).
 */
import { COMMON_LABELS, COMMON_OBJECT_FIELDS, type CommonObject } from '../common-model/model';
import { date } from '../common-model/helpers';
import { salesforceAccount, salesforceContact, salesforceLead, salesforceOpportunity, salesforceUser } from '../common-model/salesforce';
import { ProviderError } from '../errors';
import { providerAuth, type ProviderAuth } from '../oauth';
import { getDefaultHttpRuntime, type HttpRuntime } from '../runtime';
import type { ConnectionContext, JsonValue, ObjectDescriptor, ObjectField, ProviderConnection, ReadPageRequest, ReadPageResult, SourceRecord } from '../types';

export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
export const SALESFORCE_API_VERSION = 'v58.0';

const COMMON_TO_SOBJECT: Record<CommonObject, string> = { contact: 'Contact', account: 'Account', opportunity: 'Opportunity', lead: 'Lead', user: 'User' };
const MAPPERS: Record<CommonObject, (r: Record<string, unknown>) => object> = {
  contact: salesforceContact,
  account: salesforceAccount,
  opportunity: salesforceOpportunity,
  lead: salesforceLead,
  user: salesforceUser,
};
/** Standard objects offered by discovery (when the org can query them), besides custom ones. */
const STANDARD_OBJECTS = ['Account', 'Contact', 'Lead', 'Opportunity', 'User', 'Task', 'Event', 'Campaign', 'CampaignMember', 'Case', 'Note', 'OpportunityContactRole', 'Product2'];
/** Compound and binary fields cannot (or should not) be selected alongside their parts. */
const SKIPPED_TYPES = new Set(['address', 'location', 'base64']);

interface SfField {
  name: string;
  type: string;
  nillable?: boolean;
}

interface SfState {
  next: string;
}

function fieldType(t: string): Pick<ObjectField, 'type' | 'format'> {
  if (t === 'int') return { type: 'integer' };
  if (t === 'double' || t === 'currency' || t === 'percent') return { type: 'number' };
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'datetime') return { type: 'string', format: 'date-time' };
  if (t === 'date') return { type: 'string', format: 'date' };
  return { type: 'string' };
}

export function createSalesforceConnection(ctx: ConnectionContext, runtime: HttpRuntime = getDefaultHttpRuntime()): ProviderConnection {
  return new SalesforceConnection(ctx, runtime);
}

class SalesforceConnection implements ProviderConnection {
  private readonly auth: ProviderAuth;
  private readonly version: string;
  private readonly describes = new Map<string, Promise<SfField[]>>();

  constructor(
    private readonly ctx: ConnectionContext,
    runtime: HttpRuntime,
  ) {
    const login = String(ctx.params.login_url || SALESFORCE_LOGIN_URL).replace(/\/+$/, '');
    this.version = String(ctx.params.api_version || SALESFORCE_API_VERSION);
    this.auth = providerAuth(ctx, runtime, {
      providerLabel: 'Salesforce',
      tokenUrl: `${login}/services/oauth2/token`,
      keepFromResponse: ['instance_url'],
      limits: { requestsPerSecond: 20, burst: 20, concurrency: 4 },
    });
  }

  private get base(): string {
    const url = this.auth.session.credentials.instance_url;
    if (typeof url !== 'string' || url === '') throw new ProviderError('configuration', 'Salesforce connection has no instance_url');
    return url.replace(/\/+$/, '');
  }

  private async get(pathAndQuery: string, req?: ReadPageRequest): Promise<any> {
    const headers = await this.auth.headers(); // may refresh (and move instance_url) first
    const res = await this.auth.client.request({ url: `${this.base}${pathAndQuery}`, headers, signal: req?.signal, onWait: req?.onWait });
    try {
      return res.body ? JSON.parse(res.body) : {};
    } catch {
      throw new ProviderError('unknown', `Salesforce GET ${pathAndQuery.split('?')[0]} returned a body that is not JSON`);
    }
  }

  private describe(sobject: string, req?: ReadPageRequest): Promise<SfField[]> {
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

  async readPage(req: ReadPageRequest): Promise<ReadPageResult> {
    const common = req.objectType === 'common' ? (req.object as CommonObject) : undefined;
    if (common && !COMMON_TO_SOBJECT[common]) throw new ProviderError('configuration', `Salesforce has no common object "${req.object}"`);
    const sobject = common ? COMMON_TO_SOBJECT[common] : req.object;
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(sobject)) throw new ProviderError('configuration', `"${sobject}" is not a Salesforce object name`);

    let body: any;
    const state = req.pageState as unknown as SfState | null;
    if (state) {
      if (typeof state.next !== 'string' || !state.next.startsWith('/services/data/')) throw new ProviderError('configuration', 'invalid Salesforce page state; restart the sync');
      body = await this.get(state.next, req);
    } else {
      const fields = (await this.describe(sobject, req)).filter((f) => !SKIPPED_TYPES.has(f.type)).map((f) => f.name);
      if (fields.length === 0) throw new ProviderError('configuration', `Salesforce object ${sobject} has no fields (is it queryable?)`);
      const incremental = fields.includes('SystemModstamp');
      const since = incremental && req.modifiedSince ? req.modifiedSince.toISOString() : null;
      const order = incremental ? ' ORDER BY SystemModstamp ASC, Id ASC' : '';
      const soql = `SELECT ${fields.join(', ')} FROM ${sobject}${since ? ` WHERE SystemModstamp >= ${since}` : ''}${order}`;
      // queryAll includes deleted (and archived) records, so incremental runs see deletes.
      body = await this.get(`/services/data/${this.version}/${since ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`, req);
    }
    const records: SourceRecord[] = (Array.isArray(body?.records) ? body.records : []).map((r: Record<string, unknown>) => {
      const { attributes: _attributes, ...raw } = r;
      return {
        id: String(raw.Id),
        lastModifiedAt: date(raw.SystemModstamp ?? raw.LastModifiedDate),
        isDeleted: raw.IsDeleted === true,
        raw,
        ...(common ? { unified: MAPPERS[common](raw) as Record<string, unknown> } : {}),
      } satisfies SourceRecord;
    });
    const next = body?.done === false && typeof body.nextRecordsUrl === 'string' ? ({ next: body.nextRecordsUrl } satisfies SfState) : null;
    return { records, nextPageState: next as unknown as JsonValue };
  }
}
