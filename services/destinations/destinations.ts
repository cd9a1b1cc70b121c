import type { Selectable } from 'kysely';
import type { z } from 'zod';
import { ConflictError, NotFoundError, SchemaValidationError, UnprocessableError } from '../../lib/errors';
import { unsafeConfigSchemas, type DestinationResponse, type DestinationType } from './configs';
import type { CreateDestinationInput, UpdateDestinationInput } from './inputs';
import type { DestinationsTable } from '../../db/database';
import * as repo from '../../db/repositories/destinations';
import { apiDestinationConfigSchema } from '../../destinations/api/config';
import { bigqueryDestinationConfigSchema } from '../../destinations/bigquery/config';
import { postgresDestinationConfigSchema } from '../../destinations/postgres/config';
import { hasWriter } from '../../destinations/registry';
import { s3DestinationConfigSchema } from '../../destinations/s3/config';
import type { ServiceDeps } from '../deps';
import { isUniqueViolation } from '../../lib/ids';
import { privateUrlProblem, type OutboundPolicy } from '../../lib/outbound-policy';

export type DestinationRow = Selectable<DestinationsTable>;
type Obj = Record<string, unknown>;

/** What the sync engine gets: the full config with its secrets decrypted. Never return it over the API. */
export interface DestinationWithSecrets {
  id: string;
  name: string;
  type: DestinationType;
  version: number;
  config: Record<string, unknown>;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths of the secret values in a full config of that type. */
function secretPaths(type: DestinationType, config: Obj): string[] {
  switch (type) {
    case 'postgres':
      return ['password', 'client_key'];
    case 'bigquery':
      // The whole service-account key except the (public) client email.
      return Object.keys(isObj(config.credentials) ? config.credentials : {})
        .filter((k) => k !== 'client_email')
        .map((k) => `credentials.${k}`);
    case 'snowflake':
      return ['password'];
    case 'redshift':
      return ['s3_access_key', 'password'];
    case 's3':
      return ['secret_access_key'];
    case 'api':
      return ['auth.token', 'auth.password', 'auth.value'];
  }
}

/** Splits a full config into its safe part (destinations.config) and its secrets (encrypted as one blob). */
export function splitSecrets(type: DestinationType, full: Obj): { config: Obj; secrets: Obj } {
  const config = structuredClone(full);
  const secrets: Obj = {};
  for (const path of secretPaths(type, full)) {
    const keys = path.split('.');
    let src: unknown = config;
    let dst: Obj = secrets;
    for (const key of keys.slice(0, -1)) {
      src = isObj(src) ? src[key] : undefined;
      if (!isObj(dst[key])) dst[key] = {};
      dst = dst[key] as Obj;
    }
    const last = keys[keys.length - 1]!;
    if (isObj(src) && src[last] !== undefined) {
      dst[last] = src[last];
      delete src[last];
    }
  }
  return { config, secrets: pruneEmpty(secrets) };
}

function pruneEmpty(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (isObj(v)) {
      const inner = pruneEmpty(v);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

/** Deep merge of plain objects; `over` wins. */
export function mergeSecrets(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? mergeSecrets(out[k] as Obj, v) : v;
  return out;
}

/**
 * Fills the secrets an update omitted from the stored ones. A nested secret (api `auth.token`,
 * bigquery `credentials.private_key`) is only carried over when the update still has its parent object.
 */
export function carryOverSecrets(stored: Obj, input: Obj): Obj {
  const out: Obj = { ...input };
  for (const [k, v] of Object.entries(stored)) {
    if (isObj(v)) {
      if (isObj(out[k])) out[k] = carryOverSecrets(v, out[k] as Obj);
    } else if (out[k] === undefined) out[k] = v;
  }
  return out;
}

export function toDestinationResponse(row: DestinationRow): DestinationResponse {
  return {
    id: row.id,
    application_id: row.application_id,
    name: row.name,
    type: row.type,
    config: row.config,
    version: row.version,
  } as DestinationResponse;
}

export async function getDestinationOrThrow(deps: ServiceDeps, applicationId: string, destinationId: string): Promise<DestinationRow> {
  const row = await repo.findDestination(deps.db, applicationId, destinationId);
  if (!row) throw new NotFoundError('Destination', `Destination ${destinationId} not found`);
  return row;
}

export async function listDestinations(deps: ServiceDeps, applicationId: string): Promise<DestinationResponse[]> {
  return (await repo.listDestinations(deps.db, applicationId)).map(toDestinationResponse);
}

export async function getDestination(deps: ServiceDeps, applicationId: string, destinationId: string): Promise<DestinationResponse> {
  return toDestinationResponse(await getDestinationOrThrow(deps, applicationId, destinationId));
}

/** The writers' own (stricter) config checks: PEM certificates, bucket and dataset names, ... */
const writerConfigSchemas: Partial<Record<DestinationType, z.ZodType>> = {
  postgres: postgresDestinationConfigSchema,
  bigquery: bigqueryDestinationConfigSchema,
  s3: s3DestinationConfigSchema,
  api: apiDestinationConfigSchema,
};

const configProblems = (error: z.ZodError) =>
  new SchemaValidationError(
    'json',
    error.issues.map((i) => ({ path: ['config', ...i.path].map(String).join('.'), message: i.message, code: i.code })),
  );

/**
 * Validates a full config against its type's unsafe schema, then against its writer's own
 * checks, so a config the sync could not use is refused now (400) rather than at the first run.
 * Field paths are reported under `config.`. An `api` URL is the only one the outbound policy
 * covers (see lib/outbound-policy.ts for why database hosts are not).
 */
function parseFullConfig(type: DestinationType, full: Obj, policy: OutboundPolicy | undefined): Obj {
  const result = unsafeConfigSchemas[type].safeParse(full);
  if (!result.success) throw configProblems(result.error);
  const writer = writerConfigSchemas[type]?.safeParse(result.data);
  if (writer && !writer.success) throw configProblems(writer.error);
  const config = result.data as Obj;
  const blocked = type === 'api' ? privateUrlProblem(policy, String(config.url)) : null;
  if (blocked) {
    throw new SchemaValidationError('json', [{ path: 'config.url', message: blocked, code: 'private_address' }]);
  }
  return config;
}

function encryptSecrets(deps: ServiceDeps, secrets: Obj): string | null {
  return Object.keys(secrets).length > 0 ? deps.secrets.encryptJson(secrets) : null;
}

export async function createDestination(deps: ServiceDeps, applicationId: string, input: CreateDestinationInput): Promise<DestinationResponse> {
  if (input.type === 'supaglue') throw new UnprocessableError('The "supaglue" destination type is not supported');
  const { config, secrets } = splitSecrets(input.type, parseFullConfig(input.type, input.config as Obj, deps.outboundPolicy));
  try {
    const row = await repo.insertDestination(deps.db, {
      application_id: applicationId,
      name: input.name,
      type: input.type,
      config: JSON.stringify(config),
      secrets_encrypted: encryptSecrets(deps, secrets),
    });
    return toDestinationResponse(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A destination named "${input.name}" already exists`);
    throw err;
  }
}

/**
 * Replaces the destination's config when `input.version` is the current version (409 otherwise)
 * and bumps the version. Omitted secrets keep their stored values while the type stays the same.
 */
export async function updateDestination(deps: ServiceDeps, applicationId: string, destinationId: string, input: UpdateDestinationInput): Promise<DestinationResponse> {
  const existing = await getDestinationOrThrow(deps, applicationId, destinationId);
  const stale = () => new ConflictError(`Destination ${destinationId} is at version ${existing.version}, not ${input.version}; re-read it and retry`);
  if (input.version !== existing.version) throw stale();

  if (!hasWriter(input.type) && (await repo.isUsedBySyncConfig(deps.db, applicationId, existing.id))) {
    throw new UnprocessableError(`A sync config writes to this destination, and there is no writer for destination type ${input.type} yet`);
  }

  const storedSecrets = existing.type === input.type && existing.secrets_encrypted ? deps.secrets.decryptJson<Obj>(existing.secrets_encrypted) : {};
  const full = parseFullConfig(input.type, carryOverSecrets(storedSecrets, input.config as Obj), deps.outboundPolicy);
  const { config, secrets } = splitSecrets(input.type, full);

  let row: DestinationRow | undefined;
  try {
    row = await repo.updateDestinationIfVersion(deps.db, applicationId, existing.id, input.version, {
      name: input.name,
      type: input.type,
      config,
      secrets_encrypted: encryptSecrets(deps, secrets),
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A destination named "${input.name}" already exists`);
    throw err;
  }
  if (!row) {
    // Deleted meanwhile, or another update won the race.
    const now = await repo.findDestination(deps.db, applicationId, existing.id);
    if (!now) throw new NotFoundError('Destination', `Destination ${destinationId} not found`);
    throw new ConflictError(`Destination ${destinationId} is at version ${now.version}, not ${input.version}; re-read it and retry`);
  }
  return toDestinationResponse(row);
}

/** For the sync engine's activities: the destination with its full config (secrets decrypted). */
export async function loadDestinationWithSecrets(deps: ServiceDeps, applicationId: string, destinationId: string): Promise<DestinationWithSecrets> {
  const row = await getDestinationOrThrow(deps, applicationId, destinationId);
  const secrets = row.secrets_encrypted ? deps.secrets.decryptJson<Obj>(row.secrets_encrypted) : {};
  return { id: row.id, name: row.name, type: row.type as DestinationType, version: row.version, config: mergeSecrets(row.config, secrets) };
}
