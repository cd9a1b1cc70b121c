/**
 * Tenant isolation over the whole reference: a second application's key, aimed at the first
 * application's resources (ids in paths, x-customer-id / x-provider-name headers, customer_id
 * and names in bodies), gets a 404 on every operation of the spec — never the data, never a
 * 2xx — its lists are empty, and its own resources with the same names live apart. The first
 * application's data is re-read afterwards and must be unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './helpers/api';
import { buildContractScenario, plannedRequest, type ContractScenario } from './helpers/contract';
import { ok } from './helpers/sync-scenario';
import { errorEnvelopeSchema, formatProblems, loadReferenceSpec, referenceValidator, specOperations, type SpecOperation } from './helpers/reference-spec';

const spec = loadReferenceSpec();
const ops = specOperations(spec);
const validator = referenceValidator(spec);
const envelope = errorEnvelopeSchema(spec);

/** Operations that create a resource of the caller's own from a body naming nothing else. */
const CREATES_OWN = new Set(['PUT /customers', 'POST /destinations', 'POST /schemas', 'POST /entities', 'POST /providers']);
/** Lists: no path parameter and no connection headers. */
const isList = (op: SpecOperation) => op.method === 'GET' && !op.path.includes('{') && !op.parameters.some((p) => p.in === 'header' && p.required);
const addressesFirstTenant = (op: SpecOperation) => !isList(op) && !CREATES_OWN.has(op.key);

let s: ContractScenario;
let intruder: ApiClient;

beforeAll(async () => {
  s = await buildContractScenario({ withRun: true });
  intruder = await s.api.newTenant('intruder');
});
afterAll(async () => {
  await s?.close();
});

/** Every GET of the reference, as the owner sees it. */
async function snapshot(): Promise<Record<string, { status: number; body: unknown }>> {
  const out: Record<string, { status: number; body: unknown }> = {};
  for (const op of ops.filter((o) => o.method === 'GET')) {
    const req = plannedRequest(op, s.ids, s);
    const res = await s.tenant.request('GET', req.path, { headers: req.headers });
    expect(res.status, `${op.key} as the owner: ${JSON.stringify(res.body)}`).toBe(200);
    out[op.key] = { status: res.status, body: res.body };
  }
  return out;
}

/** What must never appear in an answer to the intruder. */
const secretsOfFirstTenant = () => [s.tenant.applicationId, s.ids.connectionId, s.ids.syncId, s.ids.syncRunId!, s.source.url, s.tenant.apiKey];

function expectNotFound(op: SpecOperation, path: string, res: { status: number; body: any }) {
  const what = `${op.method} ${path} as another application → ${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, what).toBe(404);
  expect(formatProblems(validator.validate(envelope, res.body)), what).toBe('');
  const text = JSON.stringify(res.body);
  for (const secret of secretsOfFirstTenant()) expect(text.includes(secret), `${what} leaks ${secret}`).toBe(false);
}

describe('cross-tenant isolation over every operation of the reference', () => {
  let before: Awaited<ReturnType<typeof snapshot>>;

  it('the first application has one of everything, including a finished sync run', async () => {
    before = await snapshot();
    expect(s.ids.syncRunId).toBeTruthy();
    expect((before['GET /sync-runs']!.body as { results: unknown[] }).results).toHaveLength(1);
    expect((before['GET /syncs']!.body as { results: unknown[] }).results.length).toBeGreaterThan(0);
    for (const key of ['GET /customers', 'GET /destinations', 'GET /magic_links', 'GET /schemas', 'GET /entities', 'GET /providers', 'GET /sync_configs']) {
      expect((before[key]!.body as unknown[]).length, key).toBe(1);
    }
  });

  it("lists are empty for another application, even filtered by the first one's customer and provider", async () => {
    const lists = ops.filter(isList);
    expect(lists.map((o) => o.key).sort()).toEqual(
      ['GET /customers', 'GET /destinations', 'GET /entities', 'GET /magic_links', 'GET /providers', 'GET /schemas', 'GET /sync-runs', 'GET /sync_configs', 'GET /syncs'].sort(),
    );
    for (const op of lists) {
      const req = plannedRequest(op, s.ids, s);
      for (const path of [op.path, req.path]) {
        const res = await intruder.request('GET', path);
        expect(res.status, `${op.key} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
        if (Array.isArray(res.body)) expect(res.body, `${path}`).toEqual([]);
        else expect(res.body, `${path}`).toEqual({ next: null, previous: null, total_count: 0, results: [] });
      }
    }
  });

  it("every operation addressing the first application's resources answers 404 with the error envelope", async () => {
    const addressed = ops.filter(addressesFirstTenant);
    expect(addressed.length).toBe(ops.length - 9 - CREATES_OWN.size);
    for (const op of addressed) {
      // A valid request in every other respect, so only ownership can refuse it.
      const req = plannedRequest(op, s.ids, s);
      const res = await intruder.request(op.method, req.path, { headers: req.headers, body: req.body });
      expectNotFound(op, req.path, res);
    }
  });

  it("creates that reference the first application's resources by id answer 404", async () => {
    const op = ops.find((o) => o.key === 'POST /providers')!;
    const res = await intruder.request('POST', '/providers', {
      body: { auth_type: 'api_key', category: 'no_category', name: 'gong', objects: { standard: [{ name: 'calls', schema_id: s.ids.schemaId }] } },
    });
    expectNotFound(op, "/providers (objects with the first application's schema)", res);
  });

  it("its own resources with the same names and ids live apart from the first application's", async () => {
    const own = (body: any) => expect(body.application_id, JSON.stringify(body)).toBe(intruder.applicationId);
    const { customerId, providerName } = s.ids;
    own(await ok(intruder.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Intruder', email: 'x@example.com' } }), 200));
    own(await ok(intruder.request('GET', `/customers/${customerId}`), 200));
    const provider = await ok(intruder.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: providerName } }), 201);
    own(provider);
    own(
      await ok(
        intruder.request('POST', '/destinations', {
          body: { name: s.ids.destinationName, type: 'postgres', config: { host: 'h', port: 5432, database: 'd', schema: 'public', user: 'u', password: 'p' } },
        }),
        201,
      ),
    );
    own(await ok(intruder.request('POST', '/schemas', { body: { name: 'contact-schema', config: { fields: [{ name: 'x' }], allow_additional_field_mappings: false } } }), 201));
    own(await ok(intruder.request('POST', '/entities', { body: { name: 'person', config: { fields: [{ name: 'x' }], allow_additional_field_mappings: false } } }), 201));

    // Its own provider may not point at the first application's schema or entity either.
    const putProvider = ops.find((o) => o.key === 'PUT /providers/{provider_id}')!;
    expectNotFound(
      putProvider,
      `/providers/${provider.id} (objects with the first application's schema)`,
      await intruder.request('PUT', `/providers/${provider.id}`, {
        body: { auth_type: 'api_key', category: 'no_category', name: providerName, objects: { standard: [{ name: 'contacts', schema_id: s.ids.schemaId }] } },
      }),
    );
    expectNotFound(
      putProvider,
      `/providers/${provider.id} (entity mappings with the first application's entity)`,
      await intruder.request('PUT', `/providers/${provider.id}`, {
        body: { auth_type: 'api_key', category: 'no_category', name: providerName, entity_mappings: [{ entity_id: s.ids.entityId }] },
      }),
    );
    const postSyncConfig = ops.find((o) => o.key === 'POST /sync_configs')!;
    expectNotFound(
      postSyncConfig,
      "/sync_configs (with the first application's entity)",
      await intruder.request('POST', '/sync_configs', {
        body: {
          destination_name: s.ids.destinationName,
          provider_name: providerName,
          config: { default_config: { period_ms: 3_600_000, strategy: 'full only' }, entities: [{ entity_id: s.ids.entityId }] },
        },
      }),
    );

    // Same customer id and provider name, but the intruder's customer has no connection.
    for (const op of ops.filter((o) => o.parameters.some((p) => p.in === 'header' && p.name === 'x-customer-id'))) {
      const req = plannedRequest(op, s.ids, s);
      expectNotFound(op, `${req.path} (own customer of the same id)`, await intruder.request(op.method, req.path, { headers: req.headers, body: req.body }));
    }
    for (const list of ['/customers', '/providers', '/destinations', '/schemas', '/entities']) {
      const body = await ok(intruder.request('GET', list), 200);
      expect(body, list).toHaveLength(1);
      own(body[0]);
    }
  });

  it("leaves the first application's data exactly as it was", async () => {
    expect(await snapshot()).toEqual(before);
  });
});
