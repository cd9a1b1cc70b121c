/**
 * The outbound policy in sync runs: a declarative connector whose base_url resolves to a private
 * address, or an HTTP API destination that does, fails the run with a configuration error that
 * pauses the sync; allowlisted hosts are read from and written to as usual. The policy reaches
 * the worker through its deps (and its writer cache), as the composition root (runtime/compose.ts)
 * passes the config's.
 */
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriterCache, type WriterCache } from '../destinations/registry';
import type { OutboundPolicy } from '../lib/outbound-policy';
import type { ApiClient } from './helpers/api';
import { startApiReceiver, type ApiReceiver } from './helpers/http-api-simulator';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario, waitForRuns } from './helpers/sync-scenario';

type ScenarioBase = Awaited<ReturnType<typeof startScenario>>;

let s: ScenarioBase;
let source: SourceApi;
let receiver: ApiReceiver;
let writers: WriterCache;
const CUSTOMER = 'customer-1';

/** Every `*.test` name resolves to loopback, as a tenant's DNS could answer; two of them are allowlisted. */
const resolve = async (host: string): Promise<LookupAddress[]> => {
  if (host.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};
const policy: OutboundPolicy = { blockPrivateNetworks: true, allowedHosts: ['source.test', 'sink-allowed.test'], allowedRanges: [], resolve };

beforeAll(async () => {
  [s, source, receiver] = await Promise.all([startScenario(), startSourceApi(makeContacts(5)), startApiReceiver()]);
  writers = createWriterCache({ outboundPolicy: policy });
  s.api.deps.outboundPolicy = policy;
  Object.assign(s.worker.deps, { outboundPolicy: policy, writers });
});
afterAll(async () => {
  await writers?.closeAll();
  await receiver?.close();
  await source?.close();
  await s?.close();
});

const portOf = (url: string) => new URL(url).port;

async function syncOf(tenant: ApiClient) {
  return s.api.tdb.db.selectFrom('syncs').select(['paused', 'pause_reason']).where('application_id', '=', tenant.applicationId).executeTakeFirstOrThrow();
}

describe('sync runs under the outbound policy', () => {
  it('a connector base_url that resolves to a private address fails the run as a configuration error and pauses the sync', async () => {
    const t = { ...s, tenant: await s.api.newTenant('rebind-source') };
    const before = source.contactRequests();
    const { connect } = await configure(t, { url: `http://rebind.test:${portOf(source.url)}`, apiKey: source.apiKey });
    await s.worker.run(async () => {
      await connect();
      const [run] = await waitForRuns(t.tenant, CUSTOMER, 1);
      expect(run).toMatchObject({ status: 'FAILURE', num_records_synced: 0 });
      expect(run!.error_message).toMatch(
        /^GET http:\/\/rebind\.test:\d+\/contacts: blocked by the outbound network policy: rebind\.test resolves to 127\.0\.0\.1, a loopback address \(127\.0\.0\.0\/8\)/,
      );
      expect(await syncOf(t.tenant)).toEqual({ paused: true, pause_reason: run!.error_message });
    });
    expect(source.contactRequests()).toBe(before);
  });

  it('an HTTP API destination that resolves to a private address fails the run as a configuration error and pauses the sync', async () => {
    const t = { ...s, tenant: await s.api.newTenant('rebind-sink') };
    const before = receiver.requests.length;
    const { connect } = await configure(
      t,
      { url: `http://source.test:${portOf(source.url)}`, apiKey: source.apiKey },
      {
        destination: { type: 'api', config: { url: `http://sink.test:${portOf(receiver.url)}/ingest` } },
      },
    );
    await s.worker.run(async () => {
      await connect();
      const [run] = await waitForRuns(t.tenant, CUSTOMER, 1);
      expect(run).toMatchObject({ status: 'FAILURE', num_records_synced: 0 });
      expect(run!.error_message).toMatch(/^HTTP API destination: blocked by the outbound network policy: sink\.test resolves to 127\.0\.0\.1, a loopback address/);
      expect(await syncOf(t.tenant)).toEqual({ paused: true, pause_reason: run!.error_message });
    });
    expect(receiver.requests.length).toBe(before);
  });

  it('allowlisted hosts are read from and written to', async () => {
    const t = { ...s, tenant: await s.api.newTenant('allowed') };
    const before = receiver.requests.length;
    const { connect } = await configure(
      t,
      { url: `http://source.test:${portOf(source.url)}`, apiKey: source.apiKey },
      {
        destination: { type: 'api', config: { url: `http://sink-allowed.test:${portOf(receiver.url)}/ingest` } },
      },
    );
    await s.worker.run(async () => {
      await connect();
      const [run] = await waitForRuns(t.tenant, CUSTOMER, 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 5, error_message: null });
    });
    const received = receiver.requests.slice(before);
    expect(received.flatMap((r) => (r.json as { records: Array<{ id: string }> }).records.map((rec) => rec.id))).toEqual([...source.contacts.keys()]);
    expect(received.every((r) => r.headers.host === `sink-allowed.test:${portOf(receiver.url)}`)).toBe(true);
    expect((await syncOf(t.tenant)).paused).toBe(false);
  });
});
