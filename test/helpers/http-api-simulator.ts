/**
 * A real HTTP server on 127.0.0.1:0 standing in for a SaaS API (tests pass a handler) or for an
 * HTTP API destination (startApiReceiver: queued answers); tests assert on the recorded requests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The request target as sent (path and query string). */
  url: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  json?: unknown;
}

export interface SimResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  body?: string;
  /** Delay before answering, to exercise timeouts and concurrency. */
  delayMs?: number;
}

export type SimHandler = (req: RecordedRequest, index: number) => SimResponse | Promise<SimResponse>;

export interface ApiSimulator {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  requests: RecordedRequest[];
  /** Highest number of requests being handled at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startApiSimulator(handler: SimHandler): Promise<ApiSimulator> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const sim = { url: '', requests, maxInFlight: 0, close: async () => {} } as ApiSimulator;
  const server: Server = createServer(async (req, res) => {
    inFlight++;
    sim.maxInFlight = Math.max(sim.maxInFlight, inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      if (body && req.headers['content-type']?.includes('json')) recorded.json = JSON.parse(body);
      const index = requests.push(recorded) - 1;
      const out = await handler(recorded, index);
      if (out.delayMs) await new Promise((r) => setTimeout(r, out.delayMs));
      const headers: Record<string, string> = { ...out.headers };
      let payload = out.body ?? '';
      if (out.json !== undefined) {
        payload = JSON.stringify(out.json);
        headers['content-type'] ??= 'application/json';
      }
      res.writeHead(out.status ?? 200, headers);
      res.end(payload);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`simulator handler failed: ${(err as Error).message}`);
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sim;
}

export interface ApiReceiver extends ApiSimulator {
  /** Queues answers for the next requests, in order. */
  respondWith(...responses: SimResponse[]): void;
}

/** Answers the queued responses first, then 200 `{"ok":true}`. */
export async function startApiReceiver(): Promise<ApiReceiver> {
  const queue: SimResponse[] = [];
  const sim = await startApiSimulator(() => queue.shift() ?? { json: { ok: true } });
  return Object.assign(sim, { respondWith: (...responses: SimResponse[]) => void queue.push(...responses) });
}

/** Splits records into pages of `size`; page numbers start at `first`. */
export function pageOf<T>(records: T[], page: number, size: number, first = 1): T[] {
  const start = (page - first) * size;
  return records.slice(Math.max(0, start), Math.max(0, start + size));
}
