/**
 * Malformed input on every operation of the Supaglue Management API reference: invalid JSON,
 * wrong types / unknown enum values / missing fields / very long strings in bodies, odd path
 * parameters, bad query parameters, missing and garbage headers. The answer must be a 4xx with
 * the error envelope — never a 5xx, never a hang. A mutation the reference itself still accepts
 * may succeed, but must not fail with a 5xx either.
 *
 * Deterministic: the pseudo-random choices come from a seeded generator (FUZZ_SEED to change it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContractScenario, fillPath, parameterValues, plannedRequest, type ContractScenario } from './helpers/contract';
import { errorEnvelopeSchema, formatProblems, loadReferenceSpec, referenceValidator, specOperations, type SpecOperation } from './helpers/reference-spec';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const REQUEST_TIMEOUT_MS = 10_000;

const spec = loadReferenceSpec();
const ops = specOperations(spec);
const validator = referenceValidator(spec);
const envelope = errorEnvelopeSchema(spec);

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)]!;
    },
    sample<T>(xs: readonly T[], k: number): T[] {
      const pool = [...xs];
      const out: T[] = [];
      while (out.length < k && pool.length) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
      return out;
    },
    garbage(len: number) {
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(32 + Math.floor(next() * 95));
      return s;
    },
  };
}

type Expectation = '4xx' | 'no5xx';

interface FuzzCase {
  name: string;
  op: SpecOperation;
  path: string;
  headers: Record<string, string>;
  rawBody?: string;
  expect: Expectation;
}

let s: ContractScenario;

beforeAll(async () => {
  s = await buildContractScenario();
});
afterAll(async () => {
  await s?.close();
});

/** `apiKey: null` sends no x-api-key header at all. */
async function send(c: FuzzCase, apiKey: string | null) {
  const headers: Record<string, string> = { ...(apiKey !== null ? { 'x-api-key': apiKey } : {}), ...c.headers };
  const started = Date.now();
  try {
    const res = await fetch(`${s.api.base}/mgmt/v2${c.path}`, { method: c.op.method, headers, body: c.rawBody, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { status: res.status, body, ms: Date.now() - started };
  } catch (err) {
    return { status: 0, body: `request failed after ${Date.now() - started} ms: ${(err as Error).message}`, ms: Date.now() - started };
  }
}

/** undefined when the answer is acceptable for the case; otherwise why not. */
function judge(c: FuzzCase, res: { status: number; body: unknown }): string | undefined {
  if (res.status === 0) return `no answer (hang or connection failure): ${res.body}`;
  if (res.status >= 500) return `status ${res.status}: ${JSON.stringify(res.body)}`;
  if (c.expect === '4xx' && (res.status < 400 || res.status >= 500)) return `expected a 4xx, got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`;
  if (res.status >= 400) {
    const problems = validator.validate(envelope, res.body);
    const items = (res.body as { errors?: Array<{ status?: string }> } | null)?.errors;
    if (problems.length || !Array.isArray(items) || items.length === 0) return `${res.status} without the error envelope: ${JSON.stringify(res.body)}\n${formatProblems(problems)}`;
    if (items.some((e) => e.status !== String(res.status))) return `errors[].status differs from the HTTP status ${res.status}: ${JSON.stringify(res.body)}`;
  }
  return undefined;
}

async function run(cases: FuzzCase[]) {
  const failures: string[] = [];
  for (const c of cases) {
    const res = await send(c, s.tenant.apiKey);
    const why = judge(c, res);
    if (why) failures.push(`[seed ${SEED}] ${c.op.method} ${c.path.slice(0, 200)} — ${c.name}: ${why}`);
  }
  return failures;
}

// --- case generation ----------------------------------------------------------------------

const WRONG_VALUES: unknown[] = [123, -1, 1.5, 0, 'str', '', true, false, [], [1, 'a'], {}, { nested: { x: 1 } }, null];
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v);

/** Every (path, value) inside a JSON value, depth-first. */
function walk(v: unknown, path: Array<string | number> = [], out: Array<{ path: Array<string | number>; value: unknown }> = []) {
  if (path.length) out.push({ path, value: v });
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      walk(x, [...path, i], out);
    });
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k], out);
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** Fields that are free-form by design (connector parameters), where any JSON type is acceptable. */
const FREE_FORM = (path: Array<string | number>) => path[0] === 'params';

function bodyCases(op: SpecOperation, r: ReturnType<typeof rng>): FuzzCase[] {
  const base = plannedRequest(op, s.ids, s);
  const json: Record<string, string> = { ...base.headers, 'content-type': 'application/json' };
  const cases: FuzzCase[] = [];
  const add = (name: string, rawBody: string | undefined, expectation: Expectation, headers = json) =>
    cases.push({ name, op, path: base.path, headers, rawBody, expect: expectation });

  // Not JSON, or JSON that is not an object.
  const invalidJson = ['{', '{"a":', '[1,2', 'nul', '{"a":1,}', "{'a':1}", '\u0000', '\uFFFD\uFFFE', '{"a":"\\x"}', '{"a":1}{"b":2}', r.garbage(40), r.garbage(200)];
  for (const raw of invalidJson) add(`invalid JSON ${JSON.stringify(raw).slice(0, 40)}`, raw, '4xx');
  for (const raw of ['null', '[]', '"a string"', '0', 'true', '[{}]', `${'['.repeat(5000)}${']'.repeat(5000)}`]) add(`JSON ${raw.slice(0, 20)} instead of an object`, raw, '4xx');
  add('empty body', '', '4xx');
  add('no body, no content-type', undefined, op.requestRequired ? '4xx' : 'no5xx', { ...base.headers });
  add('JSON body without a content-type', JSON.stringify(base.body), op.requestRequired ? '4xx' : 'no5xx', { ...base.headers });
  add('{} (every required field missing)', '{}', validator.validate(op.requestSchema, {}).length ? '4xx' : 'no5xx');
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
    add(`content-type ${ct} with a JSON body`, JSON.stringify(base.body), op.requestRequired ? '4xx' : 'no5xx', { ...base.headers, 'content-type': ct });
  }

  // Field mutations, judged by the reference: what it rejects must be a 4xx. Bodies that use an
  // extension (not valid for the reference to begin with) are judged by JSON type alone.
  const baseValid = validator.validate(op.requestSchema, base.body).length === 0;
  const oracle = (mutated: unknown, typeChange: boolean, path: Array<string | number>): Expectation => {
    if (baseValid) return validator.validate(op.requestSchema, mutated).length ? '4xx' : 'no5xx';
    return typeChange && !FREE_FORM(path) ? '4xx' : 'no5xx';
  };
  const mutate = (name: string, mutated: unknown, typeChange: boolean, path: Array<string | number>) =>
    add(`${name} at ${path.join('.') || '(root)'}`, JSON.stringify(mutated), oracle(mutated, typeChange, path));

  for (const { path, value } of walk(base.body)) {
    const others = WRONG_VALUES.filter((w) => jsonType(w) !== jsonType(value));
    for (const wrong of r.sample(others, 3)) mutate(`${jsonType(wrong)} ${JSON.stringify(wrong)} for ${jsonType(value)}`, setAt(base.body, path, wrong), true, path);
    mutate('removed', setAt(base.body, path, undefined, true), false, path);
    if (typeof value === 'string') {
      mutate(
        'unknown enum value / odd string',
        setAt(base.body, path, r.pick(['bogus_value', 'NOT-AN-ENUM', '💥', ' ', '\u202e', "' or 1=1 --", '../../etc/passwd'])),
        false,
        path,
      );
      mutate('100k-char string', setAt(base.body, path, 'x'.repeat(100_000)), false, path);
      mutate('NUL in string', setAt(base.body, path, `a\u0000b`), false, path);
    }
    if (typeof value === 'number') mutate('huge number', setAt(base.body, path, r.pick([1e308, -1e308, 2 ** 63, 0.000001])), false, path);
  }
  // Unknown extra fields are ignored or refused, never a 5xx.
  if (base.body && typeof base.body === 'object' && !Array.isArray(base.body)) {
    add('unknown extra field', JSON.stringify({ ...(base.body as object), [`x_${r.garbage(8).replace(/\W/g, '')}`]: { a: [1] } }), 'no5xx');
    add('__proto__ field', `{"__proto__":{"polluted":true},${JSON.stringify(base.body).slice(1)}`, 'no5xx');
  }
  return cases;
}

const ODD_PATH_VALUES = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ',
  '%00',
  '%2F',
  '%25',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent('💥'),
  encodeURIComponent('\u202e'),
  '-1',
  '1e309',
  'null',
  'undefined',
  '%20',
  'a'.repeat(3000),
];

function pathCases(op: SpecOperation, r: ReturnType<typeof rng>): FuzzCase[] {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (!params.length) return [];
  const base = plannedRequest(op, s.ids, s);
  const values = parameterValues(s.ids);
  const qs = base.path.includes('?') ? base.path.slice(base.path.indexOf('?')) : '';
  const cases: FuzzCase[] = [];
  for (const p of params) {
    for (const odd of [...ODD_PATH_VALUES, `${values[p.name]}x`, `${values[p.name]}%00`, encodeURIComponent(r.garbage(30))]) {
      // fillPath encodes: build around a placeholder so the odd value goes out exactly as written.
      const path = fillPath(op.path, { ...values, [p.name]: '\u0001' }).replace('%01', odd) + qs;
      cases.push({
        name: `path ${p.name}=${odd.slice(0, 40)}`,
        op,
        path,
        headers: base.headers ?? {},
        rawBody: base.body === undefined ? undefined : JSON.stringify(base.body),
        expect: '4xx',
      });
    }
  }
  for (const c of cases) if (c.rawBody !== undefined) c.headers = { ...c.headers, 'content-type': 'application/json' };
  return cases;
}

/** Bad values for the query parameters the reference defines; `4xx` where the value is malformed. */
const BAD_QUERY: Record<string, Array<[string, Expectation]>> = {
  page_size: [
    ['-1', '4xx'],
    ['abc', '4xx'],
    ['99999', '4xx'],
    ['0', '4xx'],
    ['1.5', '4xx'],
    ['', '4xx'],
    ['1e3', '4xx'],
    ['99999999999999999999999', '4xx'],
  ],
  cursor: [
    ['garbage', '4xx'],
    ['%00', '4xx'],
    [Buffer.from('{"dir":"next","key":["2020-01-01T00:00:00Z","not-a-uuid"]}').toString('base64url'), '4xx'],
    [Buffer.from('{"dir":"sideways","key":["2020-01-01T00:00:00Z","00000000-0000-0000-0000-000000000000"]}').toString('base64url'), '4xx'],
    [Buffer.from('[1,2,3]').toString('base64url'), '4xx'],
    [Buffer.from('{"dir":"next","key":["not a date","00000000-0000-0000-0000-000000000000"]}').toString('base64url'), '4xx'],
  ],
  start_timestamp: [
    ['garbage', '4xx'],
    ['2020-01-01T00:00:00Z', '4xx'],
    ['>not-a-date', '4xx'],
    ['=2020-01-01T00:00:00Z', '4xx'],
    ['>', '4xx'],
    ['>99999-99-99', '4xx'],
  ],
  end_timestamp: [
    ['garbage', '4xx'],
    ['<', '4xx'],
  ],
  object_type: [
    ['bogus', '4xx'],
    ['COMMON', '4xx'],
    ['', '4xx'],
  ],
  force_delete_syncs: [
    ['maybe', '4xx'],
    ['1', '4xx'],
    ['TRUE', '4xx'],
    ['', '4xx'],
  ],
  provider_name: [
    ['%00', 'no5xx'],
    [encodeURIComponent('💥'), 'no5xx'],
    ['a'.repeat(3000), 'no5xx'],
  ],
  customer_id: [
    ['%00', 'no5xx'],
    ['garbage', 'no5xx'],
    ['a'.repeat(3000), 'no5xx'],
  ],
  object: [
    ['%00', 'no5xx'],
    ['garbage', 'no5xx'],
  ],
  entity_id: [
    ['not-a-uuid', 'no5xx'],
    ['%00', 'no5xx'],
  ],
  status: [
    ['bogus', 'no5xx'],
    ['%00', 'no5xx'],
    ['success', 'no5xx'],
  ],
};

function queryCases(op: SpecOperation): FuzzCase[] {
  const query = op.parameters.filter((p) => p.in === 'query');
  if (!query.length) return [];
  const base = plannedRequest(op, s.ids, s);
  const [pathOnly, qs = ''] = base.path.split('?') as [string, string?];
  const cases: FuzzCase[] = [];
  const withBody = base.body === undefined ? {} : { rawBody: JSON.stringify(base.body), headers: { ...base.headers, 'content-type': 'application/json' } };
  for (const p of query) {
    const bad = BAD_QUERY[p.name];
    if (!bad) throw new Error(`no bad values planned for query parameter ${p.name} of ${op.key}`);
    for (const [value, expectation] of bad) {
      const params = new URLSearchParams(qs);
      params.delete(p.name);
      const rest = params.toString();
      // A 4xx-expected value must not be masked by a DELETE that would otherwise succeed.
      const path = `${pathOnly}?${rest ? `${rest}&` : ''}${p.name}=${value}`;
      cases.push({ name: `query ${p.name}=${value.slice(0, 40)}`, op, path, headers: base.headers ?? {}, ...withBody, expect: expectation });
    }
    if (p.required) {
      const params = new URLSearchParams(qs);
      params.delete(p.name);
      cases.push({ name: `required query ${p.name} missing`, op, path: `${pathOnly}?${params}`, headers: base.headers ?? {}, ...withBody, expect: '4xx' });
    }
  }
  // The same parameter twice.
  const first = query[0]!;
  cases.push({
    name: `query ${first.name} repeated`,
    op,
    path: `${pathOnly}?${qs}${qs ? '&' : ''}${first.name}=a&${first.name}=b`,
    headers: base.headers ?? {},
    ...withBody,
    expect: 'no5xx',
  });
  return cases;
}

function headerCases(op: SpecOperation, r: ReturnType<typeof rng>): FuzzCase[] {
  const required = op.parameters.filter((p) => p.in === 'header' && p.required);
  if (!required.length) return [];
  const base = plannedRequest(op, s.ids, s);
  const body = base.body === undefined ? {} : { rawBody: JSON.stringify(base.body) };
  const ct: Record<string, string> = base.body === undefined ? {} : { 'content-type': 'application/json' };
  const cases: FuzzCase[] = [];
  const headers = base.headers ?? {};
  cases.push({ name: 'all required headers missing', op, path: base.path, headers: { ...ct }, ...body, expect: '4xx' });
  for (const p of required) {
    const { [p.name]: _omitted, ...rest } = headers;
    cases.push({ name: `header ${p.name} missing`, op, path: base.path, headers: { ...rest, ...ct }, ...body, expect: '4xx' });
    for (const v of ['', ' ', 'garbage', 'a'.repeat(4000), '\u00ff\u00fe', '%00', "' OR 1=1 --", r.garbage(20)]) {
      cases.push({ name: `header ${p.name}=${JSON.stringify(v.slice(0, 20))}`, op, path: base.path, headers: { ...headers, [p.name]: v, ...ct }, ...body, expect: '4xx' });
    }
  }
  return cases;
}

/** DELETEs last: their valid-looking variants must fail, but keep the scenario for the rest. */
const orderedOps = [...ops.filter((o) => o.method !== 'DELETE'), ...ops.filter((o) => o.method === 'DELETE')];

describe(`fuzz: malformed input on every operation of the reference (seed ${SEED})`, () => {
  it('bodies: invalid JSON, wrong types, unknown enum values, missing fields, long strings → 4xx with the envelope', async () => {
    const r = rng(SEED);
    const cases = orderedOps.filter((o) => o.requestSchema).flatMap((o) => bodyCases(o, r));
    expect(cases.length).toBeGreaterThan(500);
    const failures = await run(cases);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('path parameters: malformed UUIDs and odd strings → 4xx with the envelope', async () => {
    const r = rng(SEED + 1);
    const cases = orderedOps.flatMap((o) => pathCases(o, r));
    expect(new Set(cases.map((c) => c.op.key)).size).toBe(ops.filter((o) => o.path.includes('{')).length);
    const failures = await run(cases);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('query parameters: bad page_size, cursor, timestamps, enums → 4xx with the envelope', async () => {
    const cases = orderedOps.flatMap((o) => queryCases(o));
    expect(new Set(cases.map((c) => c.op.key))).toEqual(new Set(ops.filter((o) => o.parameters.some((p) => p.in === 'query')).map((o) => o.key)));
    const failures = await run(cases);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('headers: missing or garbage x-customer-id / x-provider-name → 4xx with the envelope', async () => {
    const r = rng(SEED + 2);
    const cases = orderedOps.flatMap((o) => headerCases(o, r));
    expect(new Set(cases.map((c) => c.op.key)).size).toBe(ops.filter((o) => o.parameters.some((p) => p.in === 'header' && p.required)).length);
    const failures = await run(cases);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('a missing, empty or unknown API key → 401 with the envelope on every operation', async () => {
    const failures: string[] = [];
    // null: no x-api-key header at all.
    const keys: Array<string | null> = [null, '', 'garbage', 'sk_' + 'a'.repeat(64), s.tenant.apiKey.toUpperCase(), `Bearer ${s.tenant.apiKey}`, `${s.tenant.apiKey}x`];
    for (const key of keys) {
      for (const op of orderedOps) {
        const base = plannedRequest(op, s.ids, s);
        const c: FuzzCase = {
          name: `api key ${JSON.stringify(key?.slice(0, 12) ?? null)}`,
          op,
          path: base.path,
          headers: { ...base.headers, ...(base.body === undefined ? {} : { 'content-type': 'application/json' }) },
          rawBody: base.body === undefined ? undefined : JSON.stringify(base.body),
          expect: '4xx',
        };
        const res = await send(c, key);
        const why = judge(c, res) ?? (res.status === 401 ? undefined : `expected 401, got ${res.status}`);
        if (why) failures.push(`${op.key} — ${c.name}: ${why}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('the scenario survived: the owner still reads every resource', async () => {
    for (const op of ops.filter((o) => o.method === 'GET')) {
      const req = plannedRequest(op, s.ids, s);
      const res = await s.tenant.request('GET', req.path, { headers: req.headers });
      expect(res.status, `${op.key}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });
});
