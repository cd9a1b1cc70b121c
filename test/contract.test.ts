/**
 * Contract test against the Supaglue Management API reference (OpenAPI 3.0, v0.25.7): every
 * operation of the reference is called on the real app with valid parameters from a scenario
 * holding one of every resource; the status must be one the reference lists as a success, and
 * the body must validate against the reference's response schema for that status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContractScenario, plannedRequest, type ContractScenario, type PlannedRequest } from './helpers/contract';
import { ok } from './helpers/sync-scenario';
import {
  errorEnvelopeSchema,
  formatProblems,
  HTTP_METHODS,
  loadReferenceSpec,
  normalizePath,
  referenceValidator,
  specOperations,
  type SpecOperation,
} from './helpers/reference-spec';

const spec = loadReferenceSpec();
const ops = specOperations(spec);
const validator = referenceValidator(spec);

let s: ContractScenario;

beforeAll(async () => {
  s = await buildContractScenario({ withRun: true });
});
afterAll(async () => {
  await s?.close();
});

/**
 * Deletes run last, in an order that lets each succeed: what references a resource goes before
 * it (mappings and connections before the provider, the provider before its schema and entity).
 */
const DELETE_ORDER = [
  'DELETE /entity_mappings/{entity_id}',
  'DELETE /connection_sync_configs',
  'DELETE /magic_links/{magic_link_id}',
  'DELETE /customers/{customer_id}/connections/{provider_name}',
  'DELETE /customers/{customer_id}',
  'DELETE /sync_configs/{sync_config_id}',
  'DELETE /providers/{provider_id}',
  'DELETE /schemas/{schema_id}',
  'DELETE /entities/{entity_id}',
];

describe('the reference spec', () => {
  it('has the 28 paths and 50 operations of Supaglue Management API v0.25.7', () => {
    expect(spec.info.version).toBe('0.25.7');
    expect(Object.keys(spec.paths)).toHaveLength(28);
    expect(ops).toHaveLength(50);
  });
});

describe('contract: every operation of the reference', () => {
  it('serves every (method, path) of the reference', async () => {
    const res = await fetch(`${s.api.base}/mgmt/v2/openapi.json`);
    expect(res.status).toBe(200);
    const ours = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const served = new Set(Object.entries(ours.paths).flatMap(([p, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${normalizePath(p)}`)));
    const missing = ops.map((o) => `${o.method} ${normalizePath(o.path)}`).filter((k) => !served.has(k));
    expect(missing, 'operations of the reference our OpenAPI document does not describe').toEqual([]);
  });

  it('answers each with a success status of the reference and a body valid against its response schema', async () => {
    const deletes = ops.filter((o) => o.method === 'DELETE');
    expect(deletes.map((o) => o.key).sort(), 'DELETE_ORDER covers the reference deletes').toEqual([...DELETE_ORDER].sort());
    const ordered = [...ops.filter((o) => o.method !== 'DELETE'), ...DELETE_ORDER.map((k) => deletes.find((o) => o.key === k)!)];

    // The walk's own connection (POST .../connections) goes to a second customer, deleted later
    // by DELETE /customers/{customer_id}, so the scenario's customer and connection stay intact.
    const second = `${s.ids.customerId}-2`;
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: second, name: 'Second', email: 'second@example.com' } }), 200);

    const failures: string[] = [];
    const seen: string[] = [];
    await s.worker!.run(async () => {
      for (const op of ordered) {
        const req = await adjust(op, plannedRequest(op, s.ids, s), second);
        const res = await s.tenant.request(op.method, req.path, { headers: req.headers, body: req.body });
        seen.push(`${op.key} → ${res.status}`);
        const problems = checkResponse(op, res.status, res.body);
        if (problems) failures.push(`${op.method} ${req.path}: ${problems}`);
      }
    });
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(seen).toHaveLength(50);
  });

  it('sends request bodies the reference accepts, except where a documented extension is the point', () => {
    // PUT /providers/{id}: auth_type api_key for a declarative connector; POST connections: an
    // api_key connection with connector `params` for a provider the reference only knows as OAuth.
    const EXTENSIONS = new Set(['PUT /providers/{provider_id}', 'POST /customers/{customer_id}/connections']);
    const invalid = ops
      .filter((o) => o.requestSchema)
      .map((o) => ({ key: o.key, problems: validator.validate(o.requestSchema, plannedRequest(o, s.ids, s).body) }))
      .filter((x) => x.problems.length > 0);
    expect(invalid.map((x) => x.key).sort()).toEqual([...EXTENSIONS].sort());
  });

  it('answers errors with the reference error envelope', async () => {
    const envelope = errorEnvelopeSchema(spec);
    const cases: Array<[string, string, Record<string, string>?]> = [
      ['GET', '/customers/nobody'],
      ['GET', '/field_mappings'],
      ['GET', '/sync-runs?page_size=abc'],
      ['GET', '/no-such-route'],
    ];
    for (const [method, p, headers] of cases) {
      const res = await s.tenant.request(method, p, { headers });
      expect(res.status, `${method} ${p}`).toBeGreaterThanOrEqual(400);
      expect(formatProblems(validator.validate(envelope, res.body)), `${method} ${p}: ${JSON.stringify(res.body)}`).toBe('');
    }
    const unauth = await fetch(`${s.api.base}/mgmt/v2/customers`);
    expect(unauth.status).toBe(401);
    expect(formatProblems(validator.validate(envelope, await unauth.json()))).toBe('');
  });
});

/** Per-operation adjustments of the planned request that need the scenario's live state. */
async function adjust(op: SpecOperation, req: PlannedRequest, secondCustomer: string): Promise<PlannedRequest> {
  switch (op.key) {
    case 'PUT /destinations/{destination_id}': {
      // Optimistic versioning: send the current version.
      const current = await ok(s.tenant.request('GET', `/destinations/${s.ids.destinationId}`), 200);
      return { ...req, body: { ...(req.body as object), version: current.version } };
    }
    case 'POST /customers/{customer_id}/connections':
    case 'DELETE /customers/{customer_id}':
      return { ...req, path: req.path.replace(encodeURIComponent(s.ids.customerId), encodeURIComponent(secondCustomer)) };
    default:
      return req;
  }
}

/** undefined when the response honours the reference; otherwise what is wrong. */
function checkResponse(op: SpecOperation, status: number, body: unknown): string | undefined {
  if (!op.successStatuses.includes(String(status))) {
    return `status ${status}, the reference lists ${op.successStatuses.join('/')} as success; body ${JSON.stringify(body)}`;
  }
  if (status === 204) return body === null || body === '' ? undefined : `204 with a body: ${JSON.stringify(body)}`;
  const schema = validator.responseSchema(op, status);
  if (!schema) return undefined;
  const problems = validator.validate(schema, body);
  return problems.length ? `body does not match the reference schema:\n${formatProblems(problems)}\nbody: ${JSON.stringify(body)}` : undefined;
}
