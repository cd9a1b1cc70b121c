/**
 * A real HTTP webhook receiver for tests: one route per endpoint name, each verifying every
 * request's Standard Webhooks signature with the `standardwebhooks` library against the
 * secret(s) it was given, answering what the test says (a status, or hanging), and
 * recording everything. `accepted(name)` is what a receiver that deduplicates on
 * `webhook-id` would have processed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Webhook } from 'standardwebhooks';
import { REFERENCE_SPECS_DIR } from '../reference-specs';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

export interface ReceivedRequest {
  route: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  /** The signature verified with one of the route's secrets (timestamp within 5 minutes). */
  verified: boolean;
  verifyError?: string;
  /** The status we answered (undefined: the request was left hanging). */
  status?: number;
  at: number;
}

/** What to answer: a status, or 'hang' (never answer; the socket closes when the server does or the client gives up). */
export type Responder = (req: ReceivedRequest, nthOnRoute: number) => number | 'hang' | Promise<number | 'hang'>;

export interface WebhookReceiver {
  base: string;
  url(route: string): string;
  /** Secrets to verify with (several after a rotation). */
  setSecrets(route: string, ...secrets: string[]): void;
  respond(route: string, responder: Responder): void;
  requests(route?: string): ReceivedRequest[];
  /** Verified, acknowledged (2xx) requests, first per webhook-id, in arrival order. */
  accepted(route: string): Array<{ id: string; body: unknown; request: ReceivedRequest }>;
  /** Resolves when `predicate` holds (polling), or rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string[]>();
  const responders = new Map<string, Responder>();
  const log: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const route = (req.url ?? '/').replace(/^\/hooks\//, '').split('?')[0]!;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const entry: ReceivedRequest = { route, method: req.method ?? '', headers, body, verified: false, at: Date.now() };
    let lastError = 'no secret configured for this route';
    for (const secret of secrets.get(route) ?? []) {
      try {
        new Webhook(secret).verify(body, headers);
        entry.verified = true;
        break;
      } catch (err) {
        lastError = (err as Error).message;
      }
    }
    if (!entry.verified) entry.verifyError = lastError;
    log.push(entry);
    const nth = log.filter((r) => r.route === route).length;
    const answer = await (responders.get(route) ?? (() => 200))(entry, nth);
    if (answer === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    entry.status = answer;
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    url: (route) => `${base}/hooks/${route}`,
    setSecrets: (route, ...s) => void secrets.set(route, s),
    respond: (route, responder) => void responders.set(route, responder),
    requests: (route) => log.filter((r) => route === undefined || r.route === route),
    accepted(route) {
      const seen = new Set<string>();
      const out: Array<{ id: string; body: unknown; request: ReceivedRequest }> = [];
      for (const r of log) {
        if (r.route !== route || !r.verified || r.status === undefined || r.status < 200 || r.status >= 300) continue;
        const id = r.headers['webhook-id']!;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, body: JSON.parse(r.body), request: r });
      }
      return out;
    },
    async waitFor(predicate, timeoutMs = 30_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; received ${JSON.stringify(log.map((r) => ({ route: r.route, id: r.headers['webhook-id'], status: r.status, verified: r.verified })))}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// --- payload contract: the reference spec's `webhooks` section ---------------------------

const SPEC_PATH = path.join(REFERENCE_SPECS_DIR, 'supaglue-mgmt-v2.openapi.json');

let validators: Map<string, { validate: ValidateFunction; properties: Array<Set<string>> }> | undefined;

/**
 * Validates a webhook body against the reference spec's schema for its type (ajv), and
 * checks it carries no property the spec does not define (catches misnamed fields).
 * `provider_name` is any string here: Syncwell providers include declarative connectors,
 * not only the spec's enum of built-in providers.
 */
export function webhookPayloadProblems(type: string, body: unknown): string[] {
  if (!validators) {
    const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as { webhooks: Record<string, any>; components: { schemas: Record<string, unknown> } };
    spec.components.schemas.provider_name = { type: 'string' };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(spec, 'spec');
    validators = new Map();
    for (const [name, op] of Object.entries(spec.webhooks)) {
      const schema = op.post.requestBody.content['application/json'].schema as { oneOf?: Array<{ properties: object }>; properties?: object };
      const branches = schema.oneOf ?? [schema];
      validators.set(name, {
        validate: ajv.getSchema(`spec#/webhooks/${name}/post/requestBody/content/application~1json/schema`)!,
        properties: branches.map((b) => new Set(Object.keys(b.properties ?? {}))),
      });
    }
  }
  const v = validators.get(type);
  if (!v) return [`no schema for webhook type ${type}`];
  const problems: string[] = [];
  if (!v.validate(body)) problems.push(JSON.stringify(v.validate.errors));
  const keys = Object.keys(body as object);
  if (!v.properties.some((props) => keys.every((k) => props.has(k)))) {
    problems.push(`properties not in the spec: ${keys.filter((k) => !v.properties.some((p) => p.has(k))).join(', ') || '(none in a single branch)'}`);
  }
  return problems;
}
