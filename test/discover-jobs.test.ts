/**
 * Asynchronous discovery end to end: API → Temporal (discoverWorkflow on a real worker) → the
 * source simulator → the catalog stored with the connection → poll. A provider failure is the
 * discovery's failed status with the provider's own cause; a start during a discovery joins it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStoredCatalog } from '../services/connections/discover-jobs';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario } from './helpers/sync-scenario';

const JOBS = '/customers/customer-1/connections/acme-crm/_discover_jobs';

describe('asynchronous discover', () => {
  let s: Awaited<ReturnType<typeof startScenario>>;
  let source: SourceApi;

  beforeAll(async () => {
    s = await startScenario();
    source = await startSourceApi(makeContacts(3));
    // No sync runs: every request the source gets is the discovery's.
    const c = await configure(s, source, { autoStart: false });
    await c.connect();
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await s?.close();
  });

  async function pollUntilDone() {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const polled = await ok(s.tenant.request('GET', `${JOBS}/latest`));
      if (polled.status !== 'running') return polled;
    }
    throw new Error('the discovery did not finish within 30 s');
  }

  it('discover, then poll: the simulator’s objects and fields, stored with the connection', { timeout: 60_000 }, async () => {
    expect(await ok(s.tenant.request('GET', `${JOBS}/latest`))).toEqual({ status: 'not_started' });
    const from = source.sim.requests.length;
    const started = await s.tenant.request('POST', JOBS);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.status).toBe('running');
    expect(started.headers.get('location')).toBe(`/mgmt/v2${JOBS}/latest`);

    const done = await s.worker.run(pollUntilDone);
    expect(done).toEqual({
      status: 'succeeded',
      catalog: {
        objects: [
          {
            name: 'contacts',
            object_type: 'standard',
            label: 'Contacts',
            supports_incremental: true,
            fields: [
              { name: 'id', type: 'string', nullable: false },
              { name: 'name', type: 'string', nullable: false },
              { name: 'email', type: 'string', nullable: false },
              { name: 'updated_at', type: 'string', nullable: false, format: 'date-time' },
            ],
          },
        ],
      },
      started_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // The fields were inferred from one sampled page, read with the connection's key.
    const sampled = source.sim.requests.slice(from);
    expect(sampled.map((r) => [r.path, r.headers['x-api-key']])).toEqual([['/contacts', 'source-key']]);
    // The same as the synchronous discovery, which keeps working.
    expect(await ok(s.tenant.request('GET', '/customers/customer-1/connections/acme-crm/_discover'))).toEqual(done.catalog);
    // Stored with the connection, for GET linkedConnectors?catalog=true.
    const stored = await getStoredCatalog(s.api.deps, s.tenant.applicationId, 'customer-1', 'acme-crm');
    expect(stored).toEqual({ objects: done.catalog.objects, updated_at: done.updated_at });
  });

  it('a start while a discovery runs joins it: one workflow, one sampled page', { timeout: 60_000 }, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    source.intercept = async () => {
      await gate;
      return undefined;
    };
    const from = source.sim.requests.length;
    const done = await s.worker.run(async () => {
      await ok(s.tenant.request('POST', JOBS), 202);
      // Held at the simulator: the workflow is running.
      for (const deadline = Date.now() + 20_000; source.sim.requests.length === from && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      expect((await ok(s.tenant.request('GET', `${JOBS}/latest`))).status).toBe('running');
      const again = await ok(s.tenant.request('POST', JOBS), 202);
      expect(again.status).toBe('running');
      source.intercept = undefined;
      release();
      return pollUntilDone();
    });
    expect(done.status).toBe('succeeded');
    expect(source.sim.requests.slice(from).filter((r) => r.path === '/contacts')).toHaveLength(1);
  });

  it('a provider failure is recorded with the provider’s cause; the last good catalog stays stored', { timeout: 60_000 }, async () => {
    const before = await getStoredCatalog(s.api.deps, s.tenant.applicationId, 'customer-1', 'acme-crm');
    source.intercept = () => ({ status: 401, json: { error: 'token revoked by the admin' } });
    const done = await s.worker.run(async () => {
      await ok(s.tenant.request('POST', JOBS), 202);
      return pollUntilDone();
    });
    source.intercept = undefined;
    expect(done).toMatchObject({ status: 'failed', error: expect.stringContaining('token revoked by the admin') });
    expect(done.error).toContain('401');
    expect(done.catalog).toBeUndefined();
    expect(await getStoredCatalog(s.api.deps, s.tenant.applicationId, 'customer-1', 'acme-crm')).toEqual(before);
  });

  it('a connection that does not exist is a 404, for starting and polling', async () => {
    expect((await s.tenant.request('POST', '/customers/customer-1/connections/nope/_discover_jobs')).status).toBe(404);
    expect((await s.tenant.request('GET', '/customers/customer-1/connections/nope/_discover_jobs/latest')).status).toBe(404);
  });
});
