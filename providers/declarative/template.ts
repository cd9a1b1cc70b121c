/**
 * `{config.NAME}`, `{record.FIELD}`, `{parent.KEY}` and (in write requests) `{target.id}`,
 * `{target.match_field}`, `{target.match_value}` variables inside strings of
 * a connector definition. `{record.$}` is the whole record. Braces that do not look like a variable (e.g. a JSON
 * literal in a query value) are kept as text; a bare `{name}` is rejected because
 * it is almost always a forgotten namespace.
 */
import { getPath, parseJsonPath, type PathSegment } from './json-path';

export type VarNamespace = 'config' | 'record' | 'parent' | 'target';
export interface VarRef {
  ns: VarNamespace;
  name: string;
  /** For record refs: the parsed field path. */
  path?: PathSegment[];
}
export type TemplatePart = string | VarRef;

export class TemplateError extends Error {}

const VAR = /\{([A-Za-z_][\w-]*)(?:\.([^{}\s]+))?\}/g;
const NAMESPACES = new Set<VarNamespace>(['config', 'record', 'parent', 'target']);

const cache = new Map<string, TemplatePart[]>();

export function parseTemplate(text: string): TemplatePart[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(VAR)) {
    const [whole, ns, name] = m;
    if (name === undefined) {
      throw new TemplateError(`unknown variable "${whole}" in "${text}": use {config.${ns}}, {parent.${ns}} or {record.${ns}}`);
    }
    if (!NAMESPACES.has(ns as VarNamespace)) {
      throw new TemplateError(`unknown variable namespace "${ns}" in "${whole}": expected config, record, parent or target`);
    }
    if (m.index > last) parts.push(text.slice(last, m.index));
    const ref: VarRef = { ns: ns as VarNamespace, name };
    if (ns === 'record') {
      try {
        ref.path = parseJsonPath(name);
      } catch (e) {
        throw new TemplateError(`invalid field path in "${whole}": ${(e as Error).message}`);
      }
    }
    parts.push(ref);
    last = m.index + whole.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  if (cache.size > 5_000) cache.clear();
  cache.set(text, parts);
  return parts;
}

export function templateRefs(text: string): VarRef[] {
  return parseTemplate(text).filter((p): p is VarRef => typeof p !== 'string');
}

export interface Scope {
  config: Record<string, unknown>;
  record?: Record<string, unknown>;
  parent?: Record<string, unknown>;
  /** A write's target: the record's id (update), the upsert's match field and value. */
  target?: Record<string, unknown>;
}

function lookup(ref: VarRef, scope: Scope): unknown {
  if (ref.ns === 'config') return scope.config[ref.name];
  if (ref.ns === 'parent') return scope.parent?.[ref.name];
  if (ref.ns === 'target') return scope.target?.[ref.name];
  return ref.path ? getPath(scope.record, ref.path) : scope.record?.[ref.name];
}

const isAbsent = (v: unknown) => v === undefined || v === null || v === '';

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export type Rendered = { ok: true; value: unknown } | { ok: false; missing: VarRef };

/**
 * Renders a template. A template that is exactly one variable yields the raw value
 * (a numeric id stays a number); otherwise a string, with `encode` applied to
 * substituted values only. A variable without a value makes the result `missing`
 * so the caller decides: drop a query parameter/header, or fail for a path.
 */
export function renderTemplate(text: string, scope: Scope, encode?: (s: string) => string): Rendered {
  const parts = parseTemplate(text);
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const v = lookup(parts[0]!, scope);
    if (isAbsent(v)) return { ok: false, missing: parts[0]! };
    return { ok: true, value: encode ? encode(stringify(v)) : v };
  }
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const v = lookup(part, scope);
    if (isAbsent(v)) return { ok: false, missing: part };
    out += encode ? encode(stringify(v)) : stringify(v);
  }
  return { ok: true, value: out };
}

export function renderString(text: string, scope: Scope, encode?: (s: string) => string): { ok: true; value: string } | { ok: false; missing: VarRef } {
  const r = renderTemplate(text, scope, encode);
  return r.ok ? { ok: true, value: stringify(r.value) } : r;
}

export function refLabel(ref: VarRef): string {
  return `{${ref.ns}.${ref.name}}`;
}

/** Calls fn on every string leaf of a JSON template, with its path. */
export function walkStrings(value: unknown, path: (string | number)[], fn: (text: string, path: (string | number)[]) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      walkStrings(v, [...path, i], fn);
    });
  } else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], fn);
}
