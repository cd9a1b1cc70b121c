/**
 * A real HTTP server on loopback that records every request and answers from a script
 * (queued responses first, then 200 `{"ok":true}`), for testing the HTTP API destination.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long (a slow endpoint). */
  delayMs?: number;
}

export interface ApiReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  requests: ReceivedRequest[];
  /** Queues responses for the next requests, in order. */
  respondWith(...responses: ScriptedResponse[]): void;
  stop(): Promise<void>;
}

export async function startApiReceiver(): Promise<ApiReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      const next = queue.shift() ?? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
      setTimeout(() => {
        res.writeHead(next.status, next.headers);
        res.end(next.body ?? '');
      }, next.delayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (...responses) => queue.push(...responses),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
