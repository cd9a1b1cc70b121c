import type { Selectable } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError, UnprocessableError } from '../../lib/errors';
import {
  NO_CATEGORY_PROVIDER_NAMES,
  SECRET_PLACEHOLDER,
  type CreateProviderInput,
  type ProviderEntityMapping,
  type ProviderObjects,
  type UpdateProviderInput,
} from './provider-inputs';
import type { ProvidersTable } from '../../db/database';
import type { Db } from '../../db/connection';
import { existingEntityIds } from '../../db/repositories/entities';
import * as repo from '../../db/repositories/providers';
import { existingSchemaIds } from '../../db/repositories/schemas';
import { isBuiltInProvider } from '../../providers/registry';
import { connectorExists } from './connectors';
import type { ServiceDeps } from '../deps';
import { changedEntityIds, requestEntityFullRefresh } from '../syncs/entities';
import { isUniqueViolation } from '../../lib/ids';

export type ProviderRow = Selectable<ProvidersTable>;
export type ProviderCategory = 'crm' | 'engagement' | 'enrichment' | 'marketing_automation' | 'no_category';
export type ProviderAuthType = 'oauth2' | 'api_key' | 'access_key_secret';

/** The non-secret provider config kept in providers.config (and returned). */
export interface ProviderConfigSafe {
  provider_app_id: string;
  use_managed_oauth?: boolean;
  oauth: { oauth_scopes: string[]; access_type?: 'online' | 'offline'; credentials: { oauth_client_id: string } };
}

/** For the OAuth flow: the stored config with the decrypted client secret. */
export interface ProviderWithSecrets {
  id: string;
  application_id: string;
  name: string;
  category: ProviderCategory;
  auth_type: ProviderAuthType;
  config?: ProviderConfigSafe & { oauth: ProviderConfigSafe['oauth'] & { credentials: { oauth_client_id: string; oauth_client_secret: string } } };
  objects: ProviderObjects;
  entity_mappings: ProviderEntityMapping[];
}

const isKnownProviderName = (name: string) => (NO_CATEGORY_PROVIDER_NAMES as readonly string[]).includes(name) || isBuiltInProvider(name);

const hasConfig = (row: ProviderRow) => Object.keys(row.config).length > 0;

/** The stored config as answered: the placeholder where the reference requires the secret. */
function configResponse(config: ProviderConfigSafe) {
  return { ...config, oauth: { ...config.oauth, credentials: { ...config.oauth.credentials, oauth_client_secret: SECRET_PLACEHOLDER } } };
}

export function toProviderResponse(row: ProviderRow) {
  return {
    id: row.id,
    application_id: row.application_id,
    category: row.category as ProviderCategory,
    auth_type: row.auth_type as ProviderAuthType,
    name: row.name,
    ...(hasConfig(row) ? { config: configResponse(row.config as unknown as ProviderConfigSafe) } : {}),
    objects: row.objects as ProviderObjects,
    entity_mappings: row.entity_mappings as ProviderEntityMapping[],
  };
}

export async function getProviderOrThrow(deps: ServiceDeps, applicationId: string, providerId: string): Promise<ProviderRow> {
  const row = await repo.findProvider(deps.db, applicationId, providerId);
  if (!row) throw new NotFoundError('Provider', `Provider ${providerId} not found`);
  return row;
}

/** The application's provider with that name (connections and magic links name providers). 404 when none. */
export async function getProviderByNameOrThrow(deps: ServiceDeps, applicationId: string, providerName: string): Promise<ProviderRow> {
  const row = await repo.findProviderByName(deps.db, applicationId, providerName);
  if (!row) throw new NotFoundError('Provider', `Provider ${providerName} not found`);
  return row;
}

export async function listProviders(deps: ServiceDeps, applicationId: string) {
  return (await repo.listProviders(deps.db, applicationId)).map(toProviderResponse);
}

export async function getProvider(deps: ServiceDeps, applicationId: string, providerId: string) {
  return toProviderResponse(await getProviderOrThrow(deps, applicationId, providerId));
}

/** The provider with its decrypted OAuth client secret, for the OAuth flow and token refresh. Never return it over the API. */
export async function loadProviderWithSecrets(deps: ServiceDeps, applicationId: string, providerId: string): Promise<ProviderWithSecrets> {
  const row = await getProviderOrThrow(deps, applicationId, providerId);
  const { config: _answered, ...rest } = toProviderResponse(row);
  if (!hasConfig(row)) return rest;
  const config = row.config as unknown as ProviderConfigSafe;
  const secret = row.client_secret_encrypted ? deps.secrets.decrypt(row.client_secret_encrypted) : '';
  return { ...rest, config: { ...config, oauth: { ...config.oauth, credentials: { ...config.oauth.credentials, oauth_client_secret: secret } } } };
}

/** 404 unless every schema_id in `objects` and entity_id in `entity_mappings` belongs to the application. */
async function assertReferencesExist(db: Db, applicationId: string, objects: ProviderObjects | undefined, mappings: ProviderEntityMapping[] | undefined) {
  const schemaIds = [...(objects?.common ?? []), ...(objects?.standard ?? [])].flatMap((o) => (o.schema_id ? [o.schema_id] : []));
  if (schemaIds.length > 0) {
    const found = await existingSchemaIds(db, applicationId, schemaIds);
    const missing = schemaIds.find((id) => !found.has(id));
    if (missing) throw new NotFoundError('Schema', `Schema ${missing} (referenced in objects) not found`);
  }
  const entityIds = (mappings ?? []).map((m) => m.entity_id);
  if (new Set(entityIds).size !== entityIds.length) throw new InvalidInputError('entity_mappings lists an entity more than once');
  if (entityIds.length > 0) {
    const found = await existingEntityIds(db, applicationId, entityIds);
    const missing = entityIds.find((id) => !found.has(id));
    if (missing) throw new NotFoundError('Entity', `Entity ${missing} (referenced in entity_mappings) not found`);
  }
}

function splitConfig(config: {
  provider_app_id?: string;
  use_managed_oauth?: boolean;
  oauth: { oauth_scopes: string[]; access_type?: 'online' | 'offline'; credentials: { oauth_client_id: string; oauth_client_secret?: string } };
}): { safe: ProviderConfigSafe; secret: string | undefined } {
  const { oauth_client_secret: given, ...credentials } = config.oauth.credentials;
  // The placeholder is what a response carried: sent back, it names no new secret.
  const secret = given === SECRET_PLACEHOLDER ? undefined : given;
  const safe: ProviderConfigSafe = {
    provider_app_id: config.provider_app_id ?? '',
    ...(config.use_managed_oauth !== undefined ? { use_managed_oauth: config.use_managed_oauth } : {}),
    oauth: {
      oauth_scopes: config.oauth.oauth_scopes,
      ...(config.oauth.access_type ? { access_type: config.oauth.access_type } : {}),
      credentials,
    },
  };
  return { safe, secret };
}

export async function createProvider(deps: ServiceDeps, applicationId: string, input: CreateProviderInput) {
  await assertReferencesExist(deps.db, applicationId, input.objects, undefined);
  // A no_category name is a known provider or (extension) the id of a published connector.
  if (input.category !== 'crm' && input.category !== 'engagement' && !isKnownProviderName(input.name) && !(await connectorExists(deps.db, applicationId, input.name))) {
    throw new NotFoundError(
      'Connector',
      `No connector named "${input.name}": publish it with PUT /connectors/${input.name} first, or use a built-in provider (${NO_CATEGORY_PROVIDER_NAMES.join(', ')})`,
    );
  }
  const category: ProviderCategory = input.category ?? 'no_category';
  const split = input.auth_type === 'oauth2' && input.config ? splitConfig(input.config) : undefined;
  if (input.auth_type === 'oauth2' && input.config && !split?.secret) {
    throw new InvalidInputError(`config.oauth.credentials.oauth_client_secret must be the secret itself ("${SECRET_PLACEHOLDER}" keeps a stored one, and none is stored yet)`, {
      location: 'json',
      issues: [{ path: 'config.oauth.credentials.oauth_client_secret', message: 'The placeholder names no secret', code: 'custom' }],
    });
  }
  try {
    const row = await repo.insertProvider(deps.db, {
      application_id: applicationId,
      name: input.name,
      category,
      auth_type: input.auth_type,
      config: JSON.stringify(split?.safe ?? {}),
      client_secret_encrypted: split?.secret ? deps.secrets.encrypt(split.secret) : null,
      objects: JSON.stringify(input.objects ?? {}),
      entity_mappings: JSON.stringify([]),
    });
    return toProviderResponse(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A provider named "${input.name}" already exists`);
    throw err;
  }
}

/**
 * Replaces the config (an omitted oauth_client_secret, or the placeholder responses carry, keeps the stored one); omitted
 * `objects` / `entity_mappings` keep their value. Name and category are fixed (422).
 */
export async function updateProvider(deps: ServiceDeps, applicationId: string, providerId: string, input: UpdateProviderInput) {
  return deps.db.transaction().execute(async (trx) => {
    const existing = await repo.findProvider(trx, applicationId, providerId);
    if (!existing) throw new NotFoundError('Provider', `Provider ${providerId} not found`);
    if (existing.name !== input.name) throw new UnprocessableError(`The provider name cannot change (it is "${existing.name}")`);
    if (existing.category !== input.category) throw new UnprocessableError(`The provider category cannot change (it is "${existing.category}")`);
    await assertReferencesExist(trx, applicationId, input.objects, input.entity_mappings);

    let config: ProviderConfigSafe | Record<string, never> = {};
    let clientSecretEncrypted: string | null = null;
    if (input.auth_type === 'oauth2') {
      if (!input.config) throw new InvalidInputError('config is required when auth_type is oauth2');
      const split = splitConfig(input.config);
      config = split.safe;
      if (split.secret) clientSecretEncrypted = deps.secrets.encrypt(split.secret);
      else if (existing.auth_type === 'oauth2' && existing.client_secret_encrypted) clientSecretEncrypted = existing.client_secret_encrypted;
      else {
        throw new InvalidInputError('config.oauth.credentials.oauth_client_secret is required (no secret is stored yet)', {
          location: 'json',
          issues: [{ path: 'config.oauth.credentials.oauth_client_secret', message: 'Required', code: 'invalid_type' }],
        });
      }
    }
    const row = await repo.updateProvider(trx, applicationId, existing.id, {
      auth_type: input.auth_type,
      config: JSON.stringify(config),
      client_secret_encrypted: clientSecretEncrypted,
      ...(input.objects !== undefined ? { objects: JSON.stringify(input.objects) } : {}),
      ...(input.entity_mappings !== undefined ? { entity_mappings: JSON.stringify(input.entity_mappings) } : {}),
    });
    if (input.entity_mappings !== undefined) {
      const changed = changedEntityIds(existing.entity_mappings as Array<{ entity_id: string }>, input.entity_mappings);
      await requestEntityFullRefresh(trx, applicationId, changed, { providerId: existing.id });
    }
    return toProviderResponse(row!);
  });
}

/** Deletes and returns the provider; 409 while connections or a sync config use it. */
export async function deleteProvider(deps: ServiceDeps, applicationId: string, providerId: string) {
  const existing = await getProviderOrThrow(deps, applicationId, providerId);
  const refuse = async () => {
    const { connections, syncConfigs } = await repo.countProviderDependents(deps.db, applicationId, existing.id);
    const uses = [connections ? `${connections} connection(s)` : '', syncConfigs ? `a sync config` : ''].filter(Boolean).join(' and ');
    return new ConflictError(`Provider ${existing.name} is used by ${uses || 'other records'}; delete them first`);
  };
  const { connections, syncConfigs } = await repo.countProviderDependents(deps.db, applicationId, existing.id);
  if (connections > 0 || syncConfigs > 0) throw await refuse();
  try {
    await repo.deleteProvider(deps.db, applicationId, existing.id);
  } catch (err) {
    // A connection or sync config created since the check: the foreign keys restrict.
    if ((err as { code?: string } | null)?.code === '23503') throw await refuse();
    throw err;
  }
  return toProviderResponse(existing);
}
