/**
 * The HubSpot of the write benchmark: only what writing contacts touches (CRM v3 batch create, and
 * the properties, batch read and company associations a real-time write reads back), answered as
 * HubSpot answers them, at a cost that does not grow with the records it holds, so the benchmark
 * times us and not the simulator (test/helpers/hubspot-simulator.ts scans every record on each
 * insert). Its front door allows `rate` requests/s (its own token bucket, burst `burst`) and answers
 * 429 beyond; every request it carries out waits `latencyMs` first. It keeps every record it is
 * asked to create, duplicates included, and times every request from arrival to answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SimEntry {
  path: string;
  status: number;
  /** performance.now() when the request arrived and when its answer was sent. */
  start: number;
  end: number;
}

interface Contact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
}

const PROPERTIES = ['email', 'firstname', 'lastname', 'createdate', 'lastmodifieddate'];

export async function startHubspotContactsSim(opts: { token: string; rate: number; burst: number; latencyMs: number }) {
  let tokens = opts.burst;
  let last = performance.now();
  const take = () => {
    const now = performance.now();
    tokens = Math.min(opts.burst, tokens + ((now - last) / 1000) * opts.rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const contacts = new Map<string, Contact>();
  const entries: SimEntry[] = [];
  let nextId = 1000;

  const shape = (c: Contact, props?: string[]) => ({
    id: c.id,
    properties: { hs_object_id: c.id, ...(props ? Object.fromEntries(props.map((p) => [p, c.properties[p] ?? null])) : c.properties) },
    createdAt: c.createdAt,
    updatedAt: c.createdAt,
    archived: false,
  });

  const answer = (path: string, method: string, body: any): { status: number; json: unknown } => {
    if (method === 'POST' && path === '/crm/v3/objects/contacts/batch/create') {
      const startedAt = new Date().toISOString();
      const results = (body?.inputs ?? []).map((input: { properties?: Record<string, unknown>; objectWriteTraceId?: string }) => {
        const now = new Date().toISOString();
        const props = Object.fromEntries(Object.entries(input.properties ?? {}).map(([k, v]) => [k, v === null ? null : String(v)]));
        const c: Contact = { id: String(++nextId), properties: { ...props, createdate: now, lastmodifieddate: now }, createdAt: now };
        contacts.set(c.id, c);
        return { ...shape(c), ...(input.objectWriteTraceId !== undefined ? { objectWriteTraceId: input.objectWriteTraceId } : {}) };
      });
      return { status: 201, json: { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() } };
    }
    if (method === 'GET' && path === '/crm/v3/properties/contacts') return { status: 200, json: { results: PROPERTIES.map((name) => ({ name, type: 'string' })) } };
    if (method === 'POST' && path === '/crm/v3/objects/contacts/batch/read') {
      const results = (body?.inputs ?? []).flatMap(({ id }: { id: string }) => {
        const c = contacts.get(String(id));
        return c ? [shape(c, body.properties)] : [];
      });
      return { status: 200, json: { status: 'COMPLETE', results } };
    }
    if (method === 'POST' && path === '/crm/v3/associations/contacts/companies/batch/read') return { status: 200, json: { status: 'COMPLETE', results: [] } };
    return { status: 404, json: { status: 'error', message: `no route ${method} ${path}` } };
  };

  const server = createServer(async (req, res) => {
    const start = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
      entries.push({ path, status, start, end: performance.now() });
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return send(401, { status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'The OAuth token used to make this call expired' });
    if (!take()) return send(429, { status: 'error', category: 'RATE_LIMITS', policyName: 'SECONDLY', message: 'You have reached your secondly limit.' }, { 'retry-after': '1' });
    await sleep(opts.latencyMs);
    const text = Buffer.concat(chunks).toString('utf8');
    const { status, json } = answer(path, req.method ?? 'GET', text ? JSON.parse(text) : undefined);
    send(status, json);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    contacts,
    entries,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
