/**
 * The hosted connect form for providers that do not use OAuth: which fields the provider needs (a
 * declarative connector's parameters, or the reference's api_key / access_key_secret credentials),
 * checking submitted credentials live with one cheap provider request, and turning a good
 * submission into a connection exactly once.
 */
import { ConflictError, InvalidInputError, RemoteError } from '../../lib/errors';
import type { ConnectorDefinition } from '../../providers/declarative';
import { UnknownProviderError } from '../../providers/errors';
import { openProviderConnection } from '../../providers/registry';
import type { ConnectionContext } from '../../providers/types';
import { getProviderByNameOrThrow } from '../catalog/providers';
import { findConnectorDefinition } from '../catalog/connectors';
import { createConnection, isSecretParam } from '../connections/connections';
import { createConnectionSchema, type CreateConnectionInput } from '../connections/inputs';
import type { ServiceDeps } from '../deps';
import { consumeMagicLink, releaseMagicLink, returnUrlWith, type MagicLinkForPage } from './magic-links';

export interface ConnectField {
  name: string;
  label: string;
  description?: string;
  required: boolean;
  /** Masked, never pre-filled, never echoed back. */
  secret: boolean;
  /** A non-secret default the field starts with. */
  defaultValue?: string;
}

export type ConnectMethod = { kind: 'oauth2' } | { kind: 'form'; fields: ConnectField[] };

export interface ConnectTarget {
  /** What the customer reads: the connector's name, else the provider name. */
  providerLabel: string;
  method: ConnectMethod;
}

/** Reference providers whose credentials are an access key and its secret (the reference's `gong`); the others take an api_key. */
const ACCESS_KEY_SECRET_PROVIDERS = new Set(['gong']);
const MAX_VALUE_LENGTH = 4000;
const LIVE_CHECK_TIMEOUT_MS = 15_000;

const ACRONYMS = new Set(['api', 'url', 'id', 'uri', 'oauth', 'sso']);
/** `base_url` → "Base URL", for parameters without a label. */
const humanize = (name: string) =>
  name
    .split('_')
    .filter(Boolean)
    .map((w, i) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(' ');

function connectorFields(def: ConnectorDefinition): ConnectField[] {
  return def.parameters.map((p) => {
    const secret = p.secret || isSecretParam(p.name);
    return {
      name: p.name,
      label: p.label ?? humanize(p.name),
      ...(p.description ? { description: p.description } : {}),
      required: p.required && p.default === undefined,
      secret,
      ...(!secret && p.default !== undefined ? { defaultValue: String(p.default) } : {}),
    };
  });
}

function referenceFields(providerName: string): ConnectField[] {
  if (ACCESS_KEY_SECRET_PROVIDERS.has(providerName)) {
    return [
      { name: 'access_key', label: 'Access key', required: true, secret: false },
      { name: 'access_key_secret', label: 'Access key secret', required: true, secret: true },
    ];
  }
  return [{ name: 'api_key', label: 'API key', required: true, secret: true }];
}

async function loadTarget(deps: ServiceDeps, link: MagicLinkForPage) {
  const provider = await getProviderByNameOrThrow(deps, link.applicationId, link.providerName);
  const connector = await findConnectorDefinition(deps.db, link.applicationId, link.providerName);
  // Compared as a string: declarative connectors gain an oauth2 auth kind alongside the built-ins' oauth2 providers.
  const oauth = provider.auth_type === 'oauth2' || (connector?.auth.type as string | undefined) === 'oauth2';
  const target: ConnectTarget = {
    providerLabel: connector?.name ?? link.providerName,
    method: oauth ? { kind: 'oauth2' } : { kind: 'form', fields: connector ? connectorFields(connector) : referenceFields(link.providerName) },
  };
  return { target, connector };
}

/** How the link's provider is connected: an OAuth button, or a form of these fields. */
export async function connectTargetFor(deps: ServiceDeps, link: MagicLinkForPage): Promise<ConnectTarget> {
  return (await loadTarget(deps, link)).target;
}

export type SubmitOutcome =
  | { kind: 'connected'; redirectUrl: string }
  /** Shown on the form again: field-level errors and/or the provider's reason. */
  | { kind: 'invalid'; target: ConnectTarget; fieldErrors: Record<string, string>; formError?: string }
  /** Another submission consumed the link first, or it expired meanwhile. */
  | { kind: 'gone' }
  | { kind: 'not_a_form'; target: ConnectTarget };

/**
 * Validates the submitted fields, checks them live against the provider, then consumes the link and
 * creates the connection (connection.created, syncs started). If creating fails the link is put back to
 * new; nothing is saved unless everything succeeded. `values`: the form's fields by name.
 */
export async function submitConnectForm(deps: ServiceDeps, link: MagicLinkForPage, values: Record<string, string>): Promise<SubmitOutcome> {
  const { target, connector } = await loadTarget(deps, link);
  if (target.method.kind !== 'form') return { kind: 'not_a_form', target };
  const invalid = (fieldErrors: Record<string, string>, formError?: string): SubmitOutcome => ({ kind: 'invalid', target, fieldErrors, ...(formError ? { formError } : {}) });

  const fieldErrors: Record<string, string> = {};
  const given: Record<string, string> = {};
  for (const f of target.method.fields) {
    const raw = values[f.name] ?? '';
    const value = f.secret ? raw : raw.trim();
    if (value.length > MAX_VALUE_LENGTH) fieldErrors[f.name] = `${f.label} is too long (at most ${MAX_VALUE_LENGTH} characters).`;
    else if (value.trim() === '') {
      if (f.required) fieldErrors[f.name] = `${f.label} is required.`;
    } else given[f.name] = value;
  }
  if (Object.keys(fieldErrors).length > 0) return invalid(fieldErrors);

  const input = connectionInput(link, connector, given);
  if (!input.ok) return invalid(input.fieldErrors);

  const reason = await liveCheckProblem(deps, link, connector, input.body);
  if (reason) return invalid({}, `${target.providerLabel} did not accept these details: ${reason}`);

  if (!(await consumeMagicLink(deps, link.id))) return { kind: 'gone' };
  try {
    await createConnection(deps, link.applicationId, link.externalCustomerId, input.body);
  } catch (err) {
    await releaseMagicLink(deps, link.id);
    if (err instanceof ConflictError) return invalid({}, `${link.customerName} is already connected to ${target.providerLabel}.`);
    if (err instanceof InvalidInputError)
      return invalid(Object.fromEntries(err.issues.map((i) => [i.path.replace(/^params\./, ''), i.message])), err.issues.length ? undefined : err.message);
    throw err;
  }
  return { kind: 'connected', redirectUrl: returnUrlWith(link, { status: 'success', customer_id: link.externalCustomerId, provider_name: link.providerName }) };
}

/** The body POST /customers/{id}/connections would take, checked by the same rules. */
function connectionInput(
  link: MagicLinkForPage,
  connector: ConnectorDefinition | undefined,
  given: Record<string, string>,
): { ok: true; body: CreateConnectionInput } | { ok: false; fieldErrors: Record<string, string> } {
  const body = connector
    ? { provider_name: link.providerName, params: given }
    : { provider_name: link.providerName, type: ACCESS_KEY_SECRET_PROVIDERS.has(link.providerName) ? 'access_key_secret' : 'api_key', ...given };
  const parsed = createConnectionSchema.safeParse(body);
  if (!parsed.success) return { ok: false, fieldErrors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path.at(-1) ?? ''), i.message])) };
  return { ok: true, body: parsed.data };
}

/**
 * One cheap request with the submitted credentials: the provider's "who am I" call when it has one,
 * else the first page of the connector's first top-level stream. The provider's reason when it
 * refuses; undefined when it answered, or when Syncwell has no implementation to ask (a reference
 * provider name without a connector: saved unchecked, as POST /connections does).
 */
async function liveCheckProblem(deps: ServiceDeps, link: MagicLinkForPage, connector: ConnectorDefinition | undefined, body: CreateConnectionInput): Promise<string | undefined> {
  const { provider_name: _name, type: _type, params, ...topLevel } = body;
  const ctx: ConnectionContext = {
    applicationId: link.applicationId,
    customerId: link.externalCustomerId,
    connectionId: `magic-link:${link.id}`,
    providerName: link.providerName,
    params: { ...topLevel, ...params },
    ...(deps.outboundPolicy ? { outboundPolicy: deps.outboundPolicy } : {}),
  };
  try {
    const provider = await openProviderConnection(async () => connector, ctx);
    const signal = AbortSignal.timeout(LIVE_CHECK_TIMEOUT_MS);
    if (provider.loggedInUser) {
      await provider.loggedInUser();
      return undefined;
    }
    const stream = connector?.streams.find((s) => !s.parent_stream);
    if (stream) await provider.readPage({ object: stream.id, objectType: 'standard', modifiedSince: null, pageState: null, signal });
    return undefined;
  } catch (err) {
    if (err instanceof UnknownProviderError) return undefined;
    if (err instanceof RemoteError) return err.message;
    if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${LIVE_CHECK_TIMEOUT_MS / 1000} s`;
    throw err;
  }
}
