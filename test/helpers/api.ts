import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import { createApplication } from '../../services/tenants/applications';
import { composeForTest } from './compose';
import { createTestDatabase, type TestDatabase } from './db';
import { uniqueTaskQueue } from './temporal';

export interface TestApi {
  base: string;
  deps: AppDeps;
  tdb: TestDatabase;
  /** Creates an application and returns a client bound to its key. */
  newTenant(name?: string): Promise<ApiClient>;
  close(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiClient {
  apiKey: string;
  applicationId: string;
  request<T = any>(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<ApiResponse<T>>;
}

/** The real app on a real port, backed by a fresh database and the shared Temporal dev server. */
export async function startTestApi(opts: { taskQueue?: string } = {}): Promise<TestApi> {
  const tdb = await createTestDatabase();
  const root = await composeForTest({ db: tdb.db, taskQueue: opts.taskQueue ?? uniqueTaskQueue('api') });
  const deps = root.app;
  const app = createApp(deps);
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // What PUBLIC_URL gives a real process: the OAuth redirect URI is on this server.
  deps.publicUrl = base;

  const clientFor = (apiKey: string, applicationId: string): ApiClient => ({
    apiKey,
    applicationId,
    async request(method, path, o = {}) {
      const res = await fetch(`${base}/mgmt/v2${path}`, {
        method,
        headers: { 'x-api-key': apiKey, ...(o.body !== undefined || o.rawBody !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
        body: o.rawBody ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text for the assertion message
      }
      return { status: res.status, body: body as any, headers: res.headers };
    },
  });

  return {
    base,
    deps,
    tdb,
    async newTenant(name = 'tenant') {
      const created = await createApplication(tdb.db, name);
      return clientFor(created.apiKey, created.id);
    },
    async close() {
      await new Promise((r) => server.close(r));
      await root.close();
      await tdb.destroy();
    },
  };
}
