/**
 * A loopback HTTP proxy in front of the BigQuery emulator that records every request the
 * client library makes (method, path, JSON body; for multipart uploads the JSON metadata part),
 * so tests can assert the writer's request sequence, not only the resulting rows.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/bigquery/v2/projects/p/jobs`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the JSON metadata part of a multipart upload; undefined otherwise. */
  body?: any;
}

export interface RequestRecorder {
  endpoint: string;
  requests: RecordedRequest[];
  clear(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(contentType: string, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (contentType.includes('application/json')) return text ? JSON.parse(text) : undefined;
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  for (const part of text.split(`--${boundary}`)) {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    if (head && /application\/json/i.test(head)) return JSON.parse(rest.join('\n\n').trim());
  }
  return undefined;
}

export async function startRequestRecorder(upstream: string): Promise<RequestRecorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://recorder');
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: parseBody(String(req.headers['content-type'] ?? ''), raw),
      });
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<
        string,
        string
      >;
      const up = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers,
        body: raw.length > 0 ? raw : undefined,
      });
      const buf = Buffer.from(await up.arrayBuffer());
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      res.end(buf);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 502, message: String(err) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    clear: () => void requests.splice(0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
