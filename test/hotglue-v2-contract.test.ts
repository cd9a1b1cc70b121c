/**
 * Contract test of /v2 against the Hotglue API v2 seed (hotglue-v2.openapi.json), end to end through
 * the real API and a Temporal worker on the generic source simulator: every response body is
 * validated against the seed's schema for its operation and status (the seed describes 200 and 400;
 * other statuses are checked against our error body), and what the services stored is asserted.
 */
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblems, HTTP_METHODS, loadReferenceSpec, normalizePath, REFERENCE_DIR, referenceValidator, specOperations } from './helpers/reference-spec';
import { postgresDestinationConfig } from './helpers/db';
import { startWritableApi, writableConnector } from './helpers/writable-api';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

const spec = loadReferenceSpec(`${REFERENCE_DIR}/hotglue-v2.openapi.json`);
const ops = specOperations(spec);
const validator = referenceValidator(spec);

let s: Awaited<ReturnType<typeof startScenario>>;
let src: SourceApi;
let env: string;
let flow: string;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: PrivateKey;
let publicKey: PrivateKey;
const PROVIDER = 'acme-crm';
const TENANT = 'customer-1';
const OTHER = 'customer-2';

const exercised = new Set<string>();

/** A tenant token as the application would sign it. */
async function token(tenant: string, opts: { exp?: string | number; aud?: string; iss?: string; key?: PrivateKey } = {}) {
  return new SignJWT({ tenant })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(opts.iss ?? env)
    .setAudience(opts.aud ?? 'syncwell')
    .setExpirationTime(opts.exp ?? '5m')
    .sign(opts.key ?? privateKey);
}

interface HgResponse {
  status: number;
  body: any;
}

/**
 * `key` is the seed's operation (`POST /v2/{env_id}/{flow_id}/{tenant}/linkedConnectors`); the answer must
 * have `status`, and its body must be valid against the seed's schema for it (our error body when the seed has none).
 */
async function hg(
  key: string,
  path: string,
  status: number,
  opts: { body?: unknown; query?: Record<string, string>; apiKey?: string | null; token?: string } = {},
): Promise<HgResponse> {
  const op = ops.find((o) => o.key === key);
  expect(op, `${key} is an operation of the seed`).toBeDefined();
  const query = new URLSearchParams({ ...opts.query, ...(opts.token ? { token: opts.token } : {}) }).toString();
  const apiKey = opts.apiKey === undefined ? s.tenant.apiKey : opts.apiKey;
  const res = await fetch(`${s.api.base}${path}${query ? `?${query}` : ''}`, {
    method: key.split(' ')[0],
    headers: { ...(apiKey ? { 'x-api-key': apiKey } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  expect(res.status, `${key} → ${text}`).toBe(status);
  const schema = validator.responseSchema(op!, status);
  if (schema) {
    const problems = validator.validate(schema, body);
    expect(problems, `${key} ${status} body ${text}\n${formatProblems(problems)}`).toEqual([]);
  } else {
    expect(body, `${key} ${status}: our error body`).toEqual({ message: expect.any(String), code: expect.any(String), status, ...(body?.fields ? { fields: body.fields } : {}) });
  }
  if (status < 300) exercised.add(key);
  return { status: res.status, body };
}

const LC = '/v2/{env_id}/{flow_id}/{tenant}/linkedConnectors';
const lc = (tenant = TENANT) => `/v2/${env}/${flow}/${tenant}/linkedConnectors`;
const connector = { connector_id: PROVIDER };
const JOBS = '/v2/{env_id}/{flow_id}/{tenant}/jobs';

async function runJob(body: Record<string, unknown>, path = `/v2/${env}/${flow}/${TENANT}/jobs`) {
  return (await hg(`POST ${JOBS}`, path, 200, { body })).body;
}

/** Polls the job (GET /mgmt/v2/sync_jobs/{id}) until it completed. */
async function jobDone(jobId: string) {
  for (let i = 0; i < 300; i++) {
    const job = await ok(s.tenant.request('GET', `/sync_jobs/${jobId}`));
    if (job.status === 'JOB_COMPLETED') return job;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`sync job ${jobId} did not complete`);
}
/** The fields a 400 named. */
const fieldsOf = (r: HgResponse) => (r.body.fields as Array<{ field: string }>).map((f) => f.field);

async function mgmt(method: string, path: string, body?: unknown) {
  return ok(s.tenant.request(method, path, body === undefined ? {} : { body }), method === 'POST' ? 201 : 200);
}

async function syncsOf(tenant: string) {
  return (await ok(s.tenant.request('GET', `/syncs?customer_id=${tenant}`))).results as Array<{ object: string; paused: boolean }>;
}

beforeAll(async () => {
  s = await startScenario();
  src = await startSourceApi(makeContacts(5));
  await configure(s, src, { connector: sourceConnector(PROVIDER), providerName: PROVIDER, customerId: TENANT });
  env = s.tenant.applicationId;
  flow = ((await ok(s.tenant.request('GET', '/sync_configs'))) as Array<{ id: string }>)[0]!.id;
  // A schema on contacts, so the linked connector has a field_map.
  const schema = await mgmt('POST', '/schemas', { name: 'contact', config: { fields: [{ name: 'email' }, { name: 'full_name' }], allow_additional_field_mappings: false } });
  const provider = ((await ok(s.tenant.request('GET', '/providers'))) as Array<{ id: string }>)[0]!;
  await mgmt('PUT', `/providers/${provider.id}`, {
    category: 'no_category',
    auth_type: 'api_key',
    name: PROVIDER,
    objects: { standard: [{ name: 'contacts', schema_id: schema.id }] },
  });
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: OTHER, name: 'Other', email: 'o@example.com' } }));

  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  publicKey = pair.publicKey;
  const registered = await ok(s.tenant.request('PUT', '/application/tenant_token_key', { body: { jwk: await exportJWK(pair.publicKey) } }));
  expect(registered).toMatchObject({ alg: 'RS256', issuer: env, audience: 'syncwell' });
  expect(registered.jwk.d).toBeUndefined();
}, 120_000);

afterAll(async () => {
  await src?.close();
  await s?.close();
});

const config = () => ({ type: 'api_key', api_key: src.apiKey, params: { base_url: src.url } });

describe('Hotglue v2', () => {
  it('serves an OpenAPI document (public) with every operation of the seed', async () => {
    const res = await fetch(`${s.api.base}/v2/openapi.json`);
    expect(res.status).toBe(200);
    const ours = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const served = new Set(Object.entries(ours.paths).flatMap(([p, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${normalizePath(`/v2${p}`)}`)));
    expect(ops.filter((o) => !served.has(`${o.method} ${normalizePath(o.path)}`)).map((o) => o.key)).toEqual([]);
  });

  it('refuses a private key as the tenant token key, naming the field', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const res = await s.tenant.request('PUT', '/application/tenant_token_key', { body: { jwk: await exportJWK(pair.privateKey) } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toEqual(['jwk']);
  });

  it('bad link bodies: a 400 naming the field, and nothing linked', async () => {
    const bad: Array<[unknown, string]> = [
      [{}, 'connector'],
      [{ connector: {} }, 'connector.id'],
      [{ connector: { id: 'hubspot', config: config() } }, 'connector.id'],
      [{ connector: { id: PROVIDER, config: { type: 'api_key', params: { base_url: src.url } } } }, 'connector.config.params.api_key'],
      [{ connector: { id: PROVIDER, config: config(), symlink: { id: 'x' } } }, 'connector.symlink'],
      [{ connector: { id: PROVIDER, config: config() }, schedule: { state: 'PAUSED' } }, 'schedule.state'],
      [{ connector: { id: PROVIDER, config: config() }, schedule: { schedule_expression: 'rate(5 minutes)' } }, 'schedule.schedule_expression'],
      [{ connector: { id: PROVIDER, config: config() }, schedule: { schedule_expression: 'cron(0 9 ? * MON *)' } }, 'schedule.schedule_expression'],
      [{ connector: { id: PROVIDER, config: config() }, field_map: { deals: { amount: 'Amount' } } }, 'field_map.deals'],
      [{ connector: { id: PROVIDER, config: config() }, field_map: { contacts: { nickname: 'nick' } } }, 'field_map.contacts.nickname'],
      [{ connector: { id: PROVIDER, config: config() }, field_map: { contacts: 'email' } }, 'field_map.contacts'],
    ];
    for (const [body, field] of bad) {
      const res = await hg(`POST ${LC}`, lc(), 400, { body });
      expect(fieldsOf(res), JSON.stringify(body)).toContain(field);
    }
    const malformed = await fetch(`${s.api.base}${lc()}`, { method: 'POST', headers: { 'x-api-key': s.tenant.apiKey, 'content-type': 'application/json' }, body: '{"connector":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { fields: Array<{ field: string }> }).fields.map((f: { field: string }) => f.field)).toEqual(['(root)']);
    expect((await hg(`GET ${LC}`, lc(), 200)).body).toEqual([]);
    expect((await ok(s.tenant.request('GET', `/customers/${TENANT}/connections`))).length).toBe(0);
  });

  it('links a connector with its schedule and field_map; its syncs run', async () => {
    await hg(`POST ${LC}`, lc(), 200, {
      body: {
        connector: { id: PROVIDER, config: config() },
        schedule: { schedule_expression: 'rate(1 hour)', state: 'ENABLED' },
        field_map: { contacts: { email: 'email', full_name: 'name' } },
      },
    });
    const connection = await ok(s.tenant.request('GET', `/customers/${TENANT}/connections/${PROVIDER}`));
    expect(connection.provider_name).toBe(PROVIDER);
    const runs = await waitForRuns(s.tenant, TENANT, 1);
    expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 5 });
  });

  it('GET with config and catalog flags', async () => {
    const plain = (await hg(`GET ${LC}`, lc(), 200)).body;
    expect(plain).toEqual([
      {
        id: PROVIDER,
        tap: PROVIDER,
        label: 'Acme CRM',
        type: 'api_key',
        fieldMap: { contacts: { email: 'email', full_name: 'name' } },
        schedule: { schedule_expression: 'rate(1 hour)', state: 'ENABLED' },
      },
    ]);
    const full = (await hg(`GET ${LC}`, lc(), 200, { query: { config: 'true', catalog: 'true' } })).body[0];
    // The api key is a secret: never answered.
    expect(full.config).toEqual({ base_url: src.url });
    expect(full.catalog).toBeNull();
    expect(fieldsOf(await hg(`GET ${LC}`, lc(), 400, { query: { config: 'yes' } }))).toEqual(['config']);
  });

  it('PATCH: field_map and schedule; config and unknown connectors refused by field', async () => {
    await hg(`PATCH ${LC}`, lc(), 200, { body: { connector_id: PROVIDER, field_map: { contacts: { email: 'email' } } } });
    expect((await hg(`GET ${LC}`, lc(), 200)).body[0].fieldMap).toEqual({ contacts: { email: 'email' } });

    await hg(`PATCH ${LC}`, lc(), 200, { body: { connector_id: PROVIDER, schedule: { state: 'DISABLED' } } });
    expect((await syncsOf(TENANT)).map((x) => x.paused)).toEqual([true]);
    expect((await hg(`GET ${LC}`, lc(), 200)).body[0].schedule.state).toBe('DISABLED');
    await hg(`PATCH ${LC}`, lc(), 200, { body: { connector_id: PROVIDER, schedule: { state: 'ENABLED', schedule_expression: '0 * * * *' } } });
    expect((await syncsOf(TENANT)).map((x) => x.paused)).toEqual([false]);

    const bad: Array<[unknown, string]> = [
      [{}, 'connector_id'],
      [{ connector_id: 'hubspot' }, 'connector_id'],
      [{ connector_id: PROVIDER, config: { api_key: 'new' } }, 'config'],
      [{ connector_id: PROVIDER, schedule: { schedule_expression: 'every day' } }, 'schedule.schedule_expression'],
      [{ connector_id: PROVIDER, field_map: { contacts: { email: '' } } }, 'field_map.contacts.email'],
    ];
    for (const [body, field] of bad) expect(fieldsOf(await hg(`PATCH ${LC}`, lc(), 400, { body })), JSON.stringify(body)).toContain(field);
  });

  it('connector state: get, put (the next read job reads from it), delete', async () => {
    const STATE = `${LC}/state`;
    const state = (await hg(`GET ${STATE}`, `${lc()}/state`, 200, { query: connector })).body;
    expect(state.bookmarks.contacts).toMatchObject({ object_type: 'standard', object: 'contacts', cursor: makeContacts(5)[4]!.updated_at });

    for (const [body, field] of [
      [{ state: { bookmarks: { contacts: { cursor: 'yesterday' } } } }, 'state.bookmarks.contacts.cursor'],
      [{ state: { bookmarks: { deals: { cursor: '2026-01-01T00:00:00Z' } } } }, 'state.bookmarks.deals'],
      [{}, 'state'],
    ] as const) {
      expect(fieldsOf(await hg(`PUT ${STATE}`, `${lc()}/state`, 400, { query: connector, body })), JSON.stringify(body)).toContain(field);
    }

    const cursor = makeContacts(5)[2]!.updated_at;
    await hg(`PUT ${STATE}`, `${lc()}/state`, 200, { query: connector, body: { state: { bookmarks: { contacts: { cursor } } } } });
    expect((await hg(`GET ${STATE}`, `${lc()}/state`, 200, { query: connector })).body.bookmarks.contacts).toMatchObject({ cursor, next_run_strategy: 'incremental' });

    // A read job now is the incremental run from that cursor: the simulator is asked from it, and the records since are synced.
    const mark = src.sim.requests.length;
    const job = await runJob({ connector_id: PROVIDER, job_type: 'read', override_selected_tables: ['contacts'], job_name: 'from the cursor' });
    expect(job).toMatchObject({
      env_id: env,
      flow_id: flow,
      tenant: TENANT,
      tap: PROVIDER,
      job_name: 'from the cursor',
      status: 'JOB_CREATED',
      started_by: 'api_key',
      scheduled_job: false,
    });
    const done = await jobDone(job.job_id);
    const asked = src.sim.requests.slice(mark).filter((r) => r.path === '/contacts');
    expect(asked.map((r) => r.query.updated_after)).toEqual([String(Date.parse(cursor) / 1000)]);
    expect(done).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 3 });

    await hg(`DELETE ${STATE}`, `${lc()}/state`, 200, { query: connector });
    expect((await hg(`GET ${STATE}`, `${lc()}/state`, 200, { query: connector })).body.bookmarks.contacts).toMatchObject({ cursor: null, next_run_strategy: 'full' });
  });

  it('a backfill read job syncs the window only and leaves the cursor alone', async () => {
    const STATE = `${LC}/state`;
    const cursor = makeContacts(5)[4]!.updated_at;
    await hg(`PUT ${STATE}`, `${lc()}/state`, 200, { query: connector, body: { state: { bookmarks: { contacts: { cursor } } } } });
    const [from, to] = [makeContacts(5)[1]!.updated_at, makeContacts(5)[2]!.updated_at];
    const job = await runJob({ connector_id: PROVIDER, job_type: 'read', override_start_date: from, override_end_date: to });
    expect(await jobDone(job.job_id)).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 2, window: { start: from, end: to } });
    expect((await hg(`GET ${STATE}`, `${lc()}/state`, 200, { query: connector })).body.bookmarks.contacts.cursor).toBe(cursor);
  });

  it('discover, then poll until the catalog; GET ?catalog=true serves it', async () => {
    const started = (await hg(`GET ${LC}/discover`, `${lc()}/discover`, 200, { query: connector })).body;
    expect(started.status).toBe('RUNNING');
    let polled: any;
    for (let i = 0; i < 150; i++) {
      polled = (await hg(`GET ${LC}/discover/poll`, `${lc()}/discover/poll`, 200, { query: connector })).body;
      if (polled.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(polled.status, JSON.stringify(polled)).toBe('SUCCESS');
    const contacts = polled.catalog.objects.find((o: { name: string }) => o.name === 'contacts');
    expect(contacts.fields.map((f: { name: string }) => f.name).sort()).toEqual(['email', 'id', 'name', 'updated_at']);
    const linked = (await hg(`GET ${LC}`, lc(), 200, { query: { catalog: 'true' } })).body[0];
    expect(linked.catalog.objects.map((o: { name: string }) => o.name)).toEqual(polled.catalog.objects.map((o: { name: string }) => o.name));
    expect(fieldsOf(await hg(`GET ${LC}/discover`, `${lc()}/discover`, 400, { query: { connector_id: 'nope' } }))).toEqual(['connector_id']);
  });

  it('jobs: bad bodies are 400s naming the field', async () => {
    const path = `/v2/${env}/${flow}/${TENANT}/jobs`;
    const bad: Array<[unknown, string]> = [
      [{ job_type: 'read' }, 'connector_id'],
      [{ connector_id: PROVIDER }, 'job_type'],
      [{ connector_id: PROVIDER, job_type: 'etl' }, 'job_type'],
      [{ connector_id: PROVIDER, job_type: 'read', override_target_config: {} }, 'override_target_config'],
      [{ connector_id: PROVIDER, job_type: 'read', streaming_job: true }, 'streaming_job'],
      [{ connector_id: PROVIDER, job_type: 'read', state: { bookmarks: {} } }, 'state'],
      [{ connector_id: PROVIDER, job_type: 'write' }, 'state'],
      [{ connector_id: PROVIDER, job_type: 'write', state: { object_type: 'standard', object: 'contacts', operation: 'insert', records: [{}] } }, 'state.operation'],
      [{ connector_id: PROVIDER, job_type: 'write', override_start_date: '2026-01-01', state: {} }, 'override_start_date'],
      [{ connector_id: PROVIDER, job_type: 'read', override_selected_tables: ['deals'] }, 'override_selected_tables.0'],
      [{ connector_id: PROVIDER, job_type: 'read', override_start_date: 'last week' }, 'override_start_date'],
      [{ connector_id: PROVIDER, job_type: 'read', override_end_date: '2026-01-01' }, 'override_start_date'],
    ];
    for (const [body, field] of bad) expect(fieldsOf(await hg(`POST ${JOBS}`, path, 400, { body })), JSON.stringify(body)).toContain(field);
  });

  it('a write job writes the records of its state through the connector', async () => {
    const writable = await startWritableApi();
    try {
      const w = await configure(
        s,
        { url: writable.url, apiKey: 'write-key' },
        {
          connector: writableConnector(),
          providerName: 'acme-writable',
          customerId: TENANT,
          autoStart: false,
          destination: { type: 'postgres', config: postgresDestinationConfig(s.dest.url), name: 'warehouse-2' },
        },
      );
      const writeFlow = ((await ok(s.tenant.request('GET', '/sync_configs'))) as Array<{ id: string; provider_name: string }>).find((f) => f.provider_name === w.providerName)!.id;
      await hg(`POST ${LC}`, `/v2/${env}/${writeFlow}/${TENANT}/linkedConnectors`, 200, {
        body: { connector: { id: w.providerName, config: { api_key: 'write-key', params: { base_url: writable.url } } } },
      });
      const records = [
        { email: 'ada@example.com', name: 'Ada' },
        { email: 'grace@example.com', name: 'Grace' },
      ];
      const job = await runJob(
        {
          connector_id: w.providerName,
          job_type: 'write',
          job_name: 'two contacts',
          state: { object_type: 'standard', object: 'contacts', operation: 'upsert', match: { field: 'email' }, records },
        },
        `/v2/${env}/${writeFlow}/${TENANT}/jobs`,
      );
      expect(job).toMatchObject({
        tap: w.providerName,
        job_name: 'two contacts',
        status: 'JOB_CREATED',
        processed_rows: 0,
        state: { object: 'contacts', operation: 'upsert', records_total: 2 },
      });
      let written: any;
      for (let i = 0; i < 300; i++) {
        written = await ok(s.tenant.request('GET', `/jobs/${job.job_id}`));
        if (written.status === 'succeeded' || written.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(written.status, JSON.stringify(written)).toBe('succeeded');
      // Written in concurrent lanes (services/writes/write-job-runner.ts): the order they land in is not the job's.
      const stored = [...writable.contacts.values()].map((c) => ({ email: c.email, name: c.name }));
      expect(stored.sort((a, b) => a.email.localeCompare(b.email))).toEqual(records);
    } finally {
      await writable.close();
    }
  });

  it('availableConnectors lists the built-ins and the published connector; supportedConnectors the flow’s', async () => {
    const available = (await hg('GET /v2/{env_id}/availableConnectors', `/v2/${env}/availableConnectors`, 200)).body as Array<{ id: string; source: string }>;
    expect(available.find((c) => c.id === PROVIDER)).toMatchObject({ label: 'Acme CRM', source: 'declarative' });
    expect(available.filter((c) => c.source === 'builtin').map((c) => c.id)).toEqual(expect.arrayContaining(['hubspot', 'salesforce']));
    const supported = (await hg('GET /v2/{env_id}/{flow_id}/supportedConnectors', `/v2/${env}/${flow}/supportedConnectors`, 200)).body;
    expect(supported.map((c: { id: string }) => c.id)).toEqual([PROVIDER]);
  });

  it('tenancy: a tenant token sees only its tenant; a wrong env key is 403, none 401', async () => {
    const mine = await token(TENANT);
    const linked = (await hg(`GET ${LC}`, lc(), 200, { apiKey: null, token: mine })).body;
    expect(linked.map((l: { id: string }) => l.id)).toEqual([PROVIDER]);
    // The same token on another tenant's paths.
    await hg(`GET ${LC}`, lc(OTHER), 403, { apiKey: null, token: mine });
    await hg(`POST ${LC}`, lc(OTHER), 403, { apiKey: null, token: mine, body: { connector: { id: PROVIDER, config: config() } } });
    await hg(`GET ${LC}/state`, `${lc(OTHER)}/state`, 403, { apiKey: null, token: mine, query: connector });
    // With the env key too, the token still limits the caller to its tenant.
    await hg(`GET ${LC}`, lc(OTHER), 403, { token: mine });
    expect((await ok(s.tenant.request('GET', `/customers/${OTHER}/connections`))).length).toBe(0);

    const other = await s.api.newTenant('other-env');
    await hg(`GET ${LC}`, lc(), 403, { apiKey: other.apiKey });
    await hg('GET /v2/{env_id}/availableConnectors', `/v2/${env}/availableConnectors`, 403, { apiKey: 'sk_unknown' });
    await hg(`GET ${LC}`, lc(), 401, { apiKey: null });

    // `sub` names the tenant when `tenant` is absent; a PEM public key registers as a JWK does.
    const ec = await generateKeyPair('ES256', { extractable: true });
    const pem = await ok(s.tenant.request('PUT', '/application/tenant_token_key', { body: { pem: await exportSPKI(ec.publicKey) } }));
    expect(pem).toMatchObject({ alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    const bySub = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(TENANT).setIssuer(env).setAudience('syncwell').setExpirationTime('1m').sign(ec.privateKey);
    await hg(`GET ${LC}`, lc(), 200, { apiKey: null, token: bySub });
    await hg(`GET ${LC}`, lc(OTHER), 403, { apiKey: null, token: bySub });
    // Signed with the key registered before: no longer accepted.
    await hg(`GET ${LC}`, lc(), 401, { apiKey: null, token: mine });
    await ok(s.tenant.request('PUT', '/application/tenant_token_key', { body: { jwk: await exportJWK(publicKey) } }));

    const stranger = (await generateKeyPair('RS256')).privateKey;
    for (const t of [
      await token(TENANT, { exp: Math.floor(Date.now() / 1000) - 3600 }),
      await token(TENANT, { aud: 'someone-else' }),
      await token(TENANT, { iss: other.applicationId }),
      await token(TENANT, { key: stranger }),
      'not-a-jwt',
    ]) {
      const res = await hg(`GET ${LC}`, lc(), 401, { apiKey: null, token: t });
      expect(res.body.message).not.toContain(t);
    }
  });

  it('a tenant token links a connector for a tenant new to the environment, which creates it', async () => {
    const fresh = 'customer-new';
    await hg(`POST ${LC}`, lc(fresh), 200, { apiKey: null, token: await token(fresh), body: { connector: { id: PROVIDER, config: config() } } });
    expect(await ok(s.tenant.request('GET', `/customers/${fresh}`))).toMatchObject({ customer_id: fresh, name: fresh });
    expect((await hg(`GET ${LC}`, lc(fresh), 200, { apiKey: null, token: await token(fresh) })).body.map((l: { id: string }) => l.id)).toEqual([PROVIDER]);
    await hg(`DELETE ${LC}`, lc(fresh), 200, { apiKey: null, token: await token(fresh), query: connector });
  });

  it('unlinks', async () => {
    expect(fieldsOf(await hg(`DELETE ${LC}`, lc(), 400, { query: {} }))).toEqual(['connector_id']);
    await hg(`DELETE ${LC}`, lc(), 200, { query: connector });
    expect((await hg(`GET ${LC}`, lc(), 200)).body).toEqual([]);
    await hg(`DELETE ${LC}`, lc(), 404, { query: connector });
    await hg(`GET ${LC}`, `/v2/${env}/00000000-0000-0000-0000-000000000000/${TENANT}/linkedConnectors`, 404);
  });

  it('every operation of the seed was exercised', () => {
    expect(ops.map((o) => o.key).filter((k) => !exercised.has(k))).toEqual([]);
  });
});
