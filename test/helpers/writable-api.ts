/**
 * A small CRM API that can be written to, for the declarative write tests: contacts listed with
 * offset pagination and read by id, created (email required and unique), updated by id, upserted
 * by email, created in batches, behind an API key or a bearer token. Served over real HTTP by the
 * API simulator; tests assert on its recorded requests and its stored contacts.
 */
import { startApiSimulator, type ApiSimulator, type RecordedRequest, type SimResponse } from './http-api-simulator';

export interface StoredContact {
  id: string;
  name: string;
  email: string;
  updated_at: string;
  [field: string]: unknown;
}

export interface WritableApi {
  sim: ApiSimulator;
  url: string;
  contacts: Map<string, StoredContact>;
  /** Requests other than the token endpoint's. */
  apiRequests(): RecordedRequest[];
  /** Return a response to answer a request instead of the API (throttling, outages). */
  intercept: ((req: RecordedRequest) => SimResponse | undefined) | undefined;
  /** Access tokens the API accepts as `Authorization: Bearer …` (besides the API key). */
  tokens: Set<string>;
  close(): Promise<void>;
}

type Fields = Record<string, unknown>;
type Outcome = { contact: StoredContact } | { status: number; error: { field: string; message: string; code: string } };

export async function startWritableApi(apiKey = 'write-key'): Promise<WritableApi> {
  const contacts = new Map<string, StoredContact>();
  let seq = 0;
  let clock = Date.parse('2026-03-01T00:00:00Z');
  const touch = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };

  const invalid = (fields: Fields, existingId?: string): Outcome | undefined => {
    const email = fields.email;
    if (existingId === undefined && (typeof email !== 'string' || email === '')) return { status: 422, error: { field: 'email', message: 'email is required', code: 'required' } };
    if (email !== undefined && (typeof email !== 'string' || !email.includes('@')))
      return { status: 422, error: { field: 'email', message: 'email is not an email address', code: 'invalid' } };
    const taken = [...contacts.values()].find((c) => c.email === email && c.id !== existingId);
    if (taken) return { status: 409, error: { field: 'email', message: `a contact with email ${String(email)} already exists (${taken.id})`, code: 'duplicate' } };
    return undefined;
  };
  const create = (fields: Fields): Outcome => {
    const bad = invalid(fields);
    if (bad) return bad;
    const contact = { name: '', ...fields, id: `c-${++seq}`, updated_at: touch() } as StoredContact;
    contacts.set(contact.id, contact);
    return { contact };
  };
  const update = (existing: StoredContact, fields: Fields): Outcome => {
    const bad = invalid(fields, existing.id);
    if (bad) return bad;
    const contact = { ...existing, ...fields, id: existing.id, updated_at: touch() } as StoredContact;
    contacts.set(contact.id, contact);
    return { contact };
  };
  const answer = (o: Outcome, status = 200): SimResponse => ('contact' in o ? { status, json: { data: o.contact } } : { status: o.status, json: { errors: [o.error] } });
  const fieldsOf = (req: RecordedRequest): Fields => ((req.json as { data?: Fields } | undefined)?.data ?? {}) as Fields;

  const api: WritableApi = {
    sim: undefined as unknown as ApiSimulator,
    url: '',
    contacts,
    apiRequests: () => api.sim.requests.filter((r) => r.path !== '/oauth/token'),
    intercept: undefined,
    tokens: new Set(),
    close: () => api.sim.close(),
  };
  api.sim = await startApiSimulator((req) => {
    if (req.path === '/oauth/token') {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('client_secret') !== 'client-secret') return { status: 400, json: { error: 'invalid_grant' } };
      const token = `access-${api.tokens.size + 1}`;
      api.tokens.add(token);
      return { json: { access_token: token, token_type: 'bearer', expires_in: 3600 } };
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (req.headers['x-api-key'] !== apiKey && !(bearer && api.tokens.has(bearer))) return { status: 401, json: { message: 'invalid credentials' } };
    const override = api.intercept?.(req);
    if (override) return override;

    const byId = /^\/contacts\/(c-\d+)$/.exec(req.path);
    const byEmail = /^\/contacts\/by-email\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && req.path === '/contacts') {
      const offset = Number(req.query.offset ?? 0);
      const limit = Number(req.query.limit ?? 100);
      const all = [...contacts.values()].sort((a, b) => Number(a.id.slice(2)) - Number(b.id.slice(2)));
      return { json: { data: all.slice(offset, offset + limit), next_offset: offset + limit < all.length ? offset + limit : null } };
    }
    if (req.method === 'GET' && byId) {
      const c = contacts.get(byId[1]!);
      return c ? { json: { data: c } } : { status: 404, json: { message: `no contact ${byId[1]}` } };
    }
    if (req.method === 'POST' && req.path === '/contacts') return answer(create(fieldsOf(req)), 201);
    if (req.method === 'PATCH' && byId) {
      const c = contacts.get(byId[1]!);
      return c ? answer(update(c, fieldsOf(req))) : { status: 404, json: { message: `no contact ${byId[1]}` } };
    }
    if (req.method === 'PUT' && byEmail) {
      const email = decodeURIComponent(byEmail[1]!);
      const existing = [...contacts.values()].find((c) => c.email === email);
      const fields = { ...fieldsOf(req), email };
      return existing ? answer(update(existing, fields)) : answer(create(fields), 201);
    }
    if (req.method === 'POST' && req.path === '/contacts/batch') {
      const items = (req.json as { data?: Fields[] } | undefined)?.data ?? [];
      const results = items.map((fields) => {
        const o = create(fields);
        return 'contact' in o ? { data: o.contact } : { error: o.error };
      });
      return { json: { results } };
    }
    return { status: 404, json: { message: `no route ${req.method} ${req.path}` } };
  });
  api.url = api.sim.url;
  return api;
}

/** The declarative connector for the writable API: contacts read with offset pagination, written by create, update and upsert. */
export function writableConnector() {
  return {
    id: 'acme-writable',
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
        path: '/contacts',
        primary_key: 'id',
        records_selector: '$.data',
        pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 100, next_offset_selector: '$.next_offset' },
        incremental: { replication_key: 'updated_at', location: 'query', param: 'updated_after', format: 'iso8601' },
        write: {
          create: { path: '/contacts', body_path: 'data', id_path: '$.data.id' },
          update: { path: '/contacts/{target.id}', body_path: 'data', record_path: '$.data' },
          upsert: { path: '/contacts/by-email/{target.match_value}', match_fields: ['email'], body_path: 'data', record_path: '$.data', created_statuses: [201] },
        },
        read_one: { path: '/contacts/{target.id}', record_path: '$.data' },
      },
      { id: 'companies', path: '/companies', primary_key: 'id' },
    ],
  } as Record<string, any>;
}
