/**
 * The Supaglue Management API reference (OpenAPI 3.0), or the CRM API one, as a test oracle: its operations,
 * and its schemas converted to JSON Schema for ajv. The spec lives beside the checkout
 * (REFERENCE_SPECS_DIR, by default `../shared/reference/`), never inside the project.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { REFERENCE_SPECS_DIR } from '../reference-specs';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

export const REFERENCE_DIR = REFERENCE_SPECS_DIR;
export const MGMT_SPEC_PATH = path.join(REFERENCE_DIR, 'supaglue-mgmt-v2.openapi.json');

/* eslint-disable @typescript-eslint/no-explicit-any */
export type OpenApiDoc = { paths: Record<string, Record<string, any>>; components: Record<string, Record<string, any>>; [k: string]: any };

export const CRM_SPEC_PATH = path.join(REFERENCE_DIR, 'supaglue-crm-v2.openapi.json');

const cached = new Map<string, OpenApiDoc>();
/** The Management API reference, or another OpenAPI 3.0 spec of the reference directory (CRM_SPEC_PATH). */
export function loadReferenceSpec(specPath = MGMT_SPEC_PATH): OpenApiDoc {
  let spec = cached.get(specPath);
  if (!spec) {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as OpenApiDoc;
    cached.set(specPath, spec);
  }
  return spec;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: any;
}

export interface SpecOperation {
  /** Upper case: GET, PUT, ... */
  method: string;
  /** As in the spec: `/customers/{customer_id}`. */
  path: string;
  /** `GET /customers/{customer_id}` */
  key: string;
  operation: any;
  /** Path-level and operation-level parameters, `$ref`s resolved (operation-level wins). */
  parameters: SpecParameter[];
  /** Schema of the JSON request body, if the operation takes one. */
  requestSchema: any | undefined;
  requestRequired: boolean;
  /** Status codes (as strings) in the 2xx range. */
  successStatuses: string[];
}

/** Resolves a local `$ref` (`#/components/...`) in the document; anything else is returned as is. */
export function deref<T = any>(spec: OpenApiDoc, value: any): T {
  let v = value;
  for (let i = 0; v && typeof v === 'object' && typeof v.$ref === 'string' && i < 20; i++) {
    const ref: string = v.$ref;
    if (!ref.startsWith('#/')) break;
    v = ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o: any, k) => o?.[k], spec);
  }
  return v as T;
}

export function specOperations(spec: OpenApiDoc = loadReferenceSpec()): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    const shared: SpecParameter[] = (item.parameters ?? []).map((x: unknown) => deref(spec, x));
    for (const m of HTTP_METHODS) {
      const operation = item[m];
      if (!operation) continue;
      const own: SpecParameter[] = (operation.parameters ?? []).map((x: unknown) => deref(spec, x));
      const parameters = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      const body = operation.requestBody ? deref(spec, operation.requestBody) : undefined;
      out.push({
        method: m.toUpperCase(),
        path: p,
        key: `${m.toUpperCase()} ${p}`,
        operation,
        parameters,
        requestSchema: body?.content?.['application/json']?.schema,
        requestRequired: body?.required === true,
        successStatuses: Object.keys(operation.responses ?? {}).filter((s) => /^2\d\d$/.test(s)),
      });
    }
  }
  return out;
}

/** `/customers/{customer_id}` → `/customers/{}`: compares routes whatever their parameter names. */
export const normalizePath = (p: string) => p.replace(/\{[^}]+\}/g, '{}').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '{}');

// --- OpenAPI 3.0 schema → JSON Schema ------------------------------------------------------

export const SPEC_SCHEMA_ID = 'https://syncwell.test/supaglue-mgmt-v2.json';

/** Keywords OpenAPI 3.0 adds (or documents) that carry no validation meaning for ajv. */
const DROP = new Set(['example', 'examples', 'deprecated', 'discriminator', 'xml', 'externalDocs', 'nullable', 'readOnly', 'writeOnly']);
/** Keywords whose value is a map of name → schema (the names are not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
/** Keywords whose value is data, copied verbatim. */
const DATA = new Set(['enum', 'const', 'default', 'required', 'type', 'format', 'pattern', 'title', 'description']);

/**
 * Converts one OpenAPI 3.0 schema to JSON Schema (draft-07 as ajv reads it):
 * `nullable: true` becomes a type union with `null` (or `anyOf [.., null]` when there is no
 * `type`); `example`, `deprecated`, `discriminator` and `x-*` are dropped; local `$ref`s are
 * rewritten to point into the components document registered under SPEC_SCHEMA_ID.
 */
export function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DROP.has(k) || k.startsWith('x-')) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.startsWith('#/') ? `${SPEC_SCHEMA_ID}${v}` : v;
    else if (SCHEMA_MAPS.has(k) && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, toJsonSchema(s)]));
    else if (DATA.has(k)) out[k] = v;
    else out[k] = toJsonSchema(v);
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else if (out.type === undefined) {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

export interface SchemaProblem {
  path: string;
  message: string;
  keyword: string;
  params: unknown;
}

export interface ReferenceValidator {
  ajv: Ajv;
  /** Validates `value` against an (OpenAPI 3.0) schema taken from the spec; [] when valid. */
  validate(schema: any, value: unknown): SchemaProblem[];
  /** The response schema the spec gives for `op` and `status`, if any (`undefined`: no body described). */
  responseSchema(op: SpecOperation, status: number | string): any | undefined;
}

/**
 * ajv over the reference's components. `oneOf` keeps its meaning, except that a value matching
 * several branches is accepted: many of the spec's branches overlap because none forbids
 * additional properties (a `common` object sync matches both "Objects" and "Common Schema", a
 * `{ object, table }` override matches both "All" and "Postgres/BigQuery"), so "exactly one"
 * cannot be met by any valid value. A value matching no branch is still an error.
 */
export function referenceValidator(spec: OpenApiDoc = loadReferenceSpec()): ReferenceValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: SPEC_SCHEMA_ID, components: { schemas: toJsonSchema({ properties: spec.components.schemas }).properties } });
  const compiled = new WeakMap<object, ValidateFunction>();
  const compile = (schema: any): ValidateFunction => {
    let fn = compiled.get(schema);
    if (!fn) {
      fn = ajv.compile(toJsonSchema(schema));
      compiled.set(schema, fn);
    }
    return fn;
  };
  const relevant = (e: ErrorObject) => !(e.keyword === 'oneOf' && Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas));
  return {
    ajv,
    validate(schema, value) {
      const fn = compile(schema);
      if (fn(value)) return [];
      return (fn.errors ?? []).filter(relevant).map((e) => ({
        path: e.instancePath || '(root)',
        message: `${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : ''}`,
        keyword: e.keyword,
        params: e.params,
      }));
    },
    responseSchema(op, status) {
      const response = deref(spec, op.operation.responses?.[String(status)]);
      return response?.content?.['application/json']?.schema;
    },
  };
}

/** The spec's error envelope `{ errors: [...] }` (components.responses.*). */
export function errorEnvelopeSchema(spec: OpenApiDoc = loadReferenceSpec()): any {
  return deref(spec, spec.components.responses?.badRequest)?.content?.['application/json']?.schema;
}

/** Human-readable list of problems, for assertion messages. */
export const formatProblems = (problems: SchemaProblem[]) => problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
