/**
 * Where we knowingly answer other than a reference document says, each with its reason. They are
 * patched into the copy of the document schemathesis reads (scripts/api-fuzz.ts); every mismatch not
 * listed here fails the run. Add one only with a reason a client of the reference would accept.
 */

type Json = Record<string, any>;

interface Deviation {
  surface: string;
  why: string;
  apply(spec: Json): void;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function* operations(spec: Json): Generator<{ method: string; path: string; op: Json }> {
  for (const [path, item] of Object.entries<Json>(spec.paths)) {
    for (const method of HTTP_METHODS) if (item[method]) yield { method, path, op: item[method] };
  }
}

/** Adds error statuses to one operation, each answered with one of the document's own `components.responses`. */
function documentStatuses(spec: Json, method: string, path: string, responses: Record<number, string>): void {
  const op = spec.paths[path]?.[method];
  if (!op) throw new Error(`api-fuzz deviation: ${method.toUpperCase()} ${path} is not in the document`);
  for (const [status, name] of Object.entries(responses)) op.responses[status] ??= { $ref: `#/components/responses/${name}` };
}

const DEVIATIONS: Deviation[] = [
  {
    surface: 'mgmt',
    why:
      'The reference gives some 204 responses (DELETE /customers/{id}, /schemas/{id}, /entities/{id}) a JSON body; a 204 cannot ' +
      'carry one (RFC 9110 §15.3.5), so we answer 204 with no body and no Content-Type, as clients of the real Supaglue get.',
    apply(spec) {
      for (const { op } of operations(spec)) if (op.responses?.['204']) delete op.responses['204'].content;
    },
  },
  {
    surface: 'mgmt',
    why:
      'provider_name is an enum of Supaglue’s built-in providers in the reference; with the Connector Builder (our extension, ' +
      'PUT /connectors/{id}) an application names its own providers, so any name an application published is a valid answer.',
    apply(spec) {
      const schema = spec.components.schemas.provider_name;
      delete schema.enum;
      schema.type = 'string';
    },
  },
  {
    surface: 'mgmt',
    why:
      '_rate_limit_info lists only its 200: we answer 401 without a valid key (as every operation does) and 404 for a connection ' +
      'that does not exist, in the reference’s error envelope; both are in our own /mgmt/v2/openapi.json.',
    apply(spec) {
      documentStatuses(spec, 'get', '/customers/{customer_id}/connections/{provider_name}/_rate_limit_info', { 401: 'unauthorized', 404: 'notFound' });
    },
  },
  {
    surface: 'crm',
    why:
      'GET /leads/{lead_id} lists only its 200, while every other operation of the document lists the same errors (400, 401, 403, ' +
      '404, 499, 500, 501): ours answers those, in the same envelope.',
    apply(spec) {
      const { '200': _ok, ...errors } = spec.paths['/contacts/{contact_id}'].get.responses;
      Object.assign(spec.paths['/leads/{lead_id}'].get.responses, errors);
    },
  },
  {
    surface: 'crm',
    why:
      'A record read live (GET /<object>/{id}, GET …/records/{record_id}) through a connection whose provider cannot read one record ' +
      '(a declarative connector without a record path) answers 422, as a write through a provider that cannot write does (the ' +
      'reference lists 422 there); the reference lists no code for it on reads.',
    apply(spec) {
      for (const { method, path } of operations(spec)) {
        if (method === 'get' && /\/\{(account|contact|lead|opportunity|record)_id\}$/.test(path)) documentStatuses(spec, method, path, { 422: 'unprocessableEntity' });
      }
    },
  },
  {
    surface: 'hotglue',
    why:
      'The reference lists only 200 and 400. Without a key or tenant token we answer 401, with another environment’s key or another ' +
      'tenant’s token 403, for an unknown flow or linked connector 404; all in the 400’s body (an object: message, code, status).',
    apply(spec) {
      for (const { method, path } of operations(spec)) {
        documentStatuses(spec, method, path, { 401: 'BadRequest', 403: 'BadRequest' });
        if (path.includes('{flow_id}')) documentStatuses(spec, method, path, { 404: 'BadRequest' });
      }
    },
  },
];

export function applyDeviations(surface: string, spec: Json): Json {
  const copy = structuredClone(spec);
  for (const d of DEVIATIONS) if (d.surface === surface) d.apply(copy);
  return copy;
}
