/**
 * A small SaaS API for end-to-end sync tests: contacts with offset pagination, an
 * inclusive `updated_after` filter, API-key auth, and knobs for slowness and failures.
 * Served over real HTTP by the API simulator; described by a declarative connector.
 */
import { startApiSimulator, type ApiSimulator, type SimResponse } from './http-api-simulator';

export interface Contact {
  id: string;
  name: string;
  email: string;
  updated_at: string;
}

export interface SourceApi {
  sim: ApiSimulator;
  url: string;
  apiKey: string;
  contacts: Map<string, Contact>;
  /** Adds or replaces contacts (updated_at as given). */
  upsert(...c: Contact[]): void;
  /** Per-request hook: return a response to override the normal answer (errors, slowness). */
  intercept: ((req: { offset: number; index: number }) => SimResponse | undefined | Promise<SimResponse | undefined>) | undefined;
  contactRequests(): number;
  close(): Promise<void>;
}

export function makeContacts(n: number, from = 0, baseTime = Date.parse('2026-01-01T00:00:00Z')): Contact[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { id: `c-${String(i).padStart(6, '0')}`, name: `Contact ${i}`, email: `c${i}@example.com`, updated_at: new Date(baseTime + i * 1000).toISOString() };
  });
}

export async function startSourceApi(initial: Contact[], apiKey = 'source-key'): Promise<SourceApi> {
  const contacts = new Map(initial.map((c) => [c.id, c]));
  const src: SourceApi = {
    sim: undefined as unknown as ApiSimulator,
    url: '',
    apiKey,
    contacts,
    upsert: (...cs) => {
      for (const c of cs) contacts.set(c.id, c);
    },
    intercept: undefined,
    contactRequests: () => src.sim.requests.filter((r) => r.path === '/contacts').length,
    close: () => src.sim.close(),
  };
  src.sim = await startApiSimulator(async (req, index) => {
    if (req.headers['x-api-key'] !== apiKey) return { status: 401, json: { error: 'invalid api key' } };
    if (req.path !== '/contacts') return { status: 404, json: { error: 'not found' } };
    const offset = Number(req.query.offset ?? 0);
    const limit = Number(req.query.limit ?? 100);
    const override = await src.intercept?.({ offset, index });
    if (override) return override;
    const since = req.query.updated_after ? Number(req.query.updated_after) * 1000 : -Infinity;
    const all = [...contacts.values()].filter((c) => Date.parse(c.updated_at) >= since).sort((a, b) => a.id.localeCompare(b.id));
    const data = all.slice(offset, offset + limit);
    return { json: { data, next_offset: offset + limit < all.length ? offset + limit : null } };
  });
  src.url = src.sim.url;
  return src;
}

/** The declarative connector for the source API (offset pagination, incremental on updated_at). */
export function sourceConnector(id = 'acme-crm', pageSize = 100) {
  return {
    id,
    name: 'Acme CRM',
    base_url: '{config.base_url}',
    auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
    parameters: [
      { name: 'base_url', label: 'Base URL', required: true },
      { name: 'api_key', label: 'API key', required: true, secret: true },
    ],
    streams: [
      {
        id: 'contacts',
        name: 'Contacts',
        path: '/contacts',
        primary_key: 'id',
        pagination: { type: 'offset', location: 'query', offset_param: 'offset', limit_param: 'limit', limit: pageSize, next_offset_selector: '$.next_offset' },
        incremental: { replication_key: 'updated_at', location: 'query', param: 'updated_after', format: 'timestamp' },
        records_selector: '$.data',
      },
    ],
  };
}
