/**
 * Discovery (Syncwell extension): what a connection can sync and the fields of each
 * object — from the connector's stream schemas, the provider's metadata, or, when a
 * stream has no schema, by reading one page and inferring one (Connector Builder's
 * infer schema).
 */
import { UnprocessableError } from '../../lib/errors';
import { inferSchema } from '../../providers/declarative';
import { schemaFields } from '../../providers/declarative/schema-fields';
import { ProviderError, UnknownProviderError } from '../../providers/errors';
import type { ObjectDescriptor, ObjectField, ProviderConnection } from '../../providers/types';
import { getConnectionByHeadersOrThrow } from './connections';
import type { ServiceDeps } from '../deps';
import { openConnectionProvider } from './provider-context';

export interface DiscoveredObject {
  name: string;
  object_type: ObjectDescriptor['objectType'];
  label?: string;
  supports_incremental: boolean;
  fields: ObjectField[];
}

function providerFailure(err: unknown, what: string): never {
  if (err instanceof ProviderError) throw err.withContext(what);
  throw err;
}

/** Fields from one sampled page; [] when the object has no records yet. */
async function sampleFields(provider: ProviderConnection, o: ObjectDescriptor, signal?: AbortSignal): Promise<ObjectField[]> {
  const page = await provider.readPage({ object: o.name, objectType: o.objectType, modifiedSince: null, pageState: null, signal });
  if (page.records.length === 0) return [];
  return schemaFields(inferSchema(page.records.map((r) => r.raw)) as Record<string, unknown>);
}

export async function discoverConnection(deps: ServiceDeps, applicationId: string, externalCustomerId: string, providerName: string, signal?: AbortSignal) {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, externalCustomerId, providerName);
  let provider: ProviderConnection;
  let objects: ObjectDescriptor[];
  try {
    provider = await openConnectionProvider(deps, applicationId, connection.id);
    objects = await provider.listObjects();
  } catch (err) {
    if (err instanceof UnknownProviderError) {
      throw new UnprocessableError(`${providerName} has no published connector or built-in implementation to discover`);
    }
    providerFailure(err, `listing ${providerName} objects failed`);
  }
  const out: DiscoveredObject[] = [];
  // One object at a time: sampling costs API calls against the customer's rate limit.
  for (const o of objects) {
    let fields = o.fields;
    if (fields === undefined) {
      try {
        fields = await sampleFields(provider, o, signal);
      } catch (err) {
        providerFailure(err, `sampling ${o.name} to infer its fields failed`);
      }
    }
    out.push({ name: o.name, object_type: o.objectType, ...(o.label !== undefined ? { label: o.label } : {}), supports_incremental: o.supportsIncremental, fields });
  }
  return { objects: out };
}
