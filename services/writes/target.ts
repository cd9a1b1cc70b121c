/**
 * The provider a write goes to: the connection's provider, opened with the same HTTP runtime,
 * OAuth refresh and rate limits as its syncs, and able to write.
 */
import { SchemaValidationError, UnprocessableError } from '../../lib/errors';
import { ProviderError, UnknownProviderError, UnsupportedWriteError } from '../../providers/errors';
import type { HttpRuntime } from '../../providers/runtime';
import type { ProviderConnection } from '../../providers/types';
import type { ServiceDeps } from '../deps';
import { openConnectionProvider } from '../connections/provider-context';

export type WritableProvider = ProviderConnection & Required<Pick<ProviderConnection, 'write'>>;

type Target = { id: string; provider_name: string };

export async function openProvider(deps: ServiceDeps, applicationId: string, connection: Target, runtime?: HttpRuntime): Promise<ProviderConnection> {
  try {
    return await openConnectionProvider(deps, applicationId, connection.id, runtime);
  } catch (err) {
    if (err instanceof UnknownProviderError) throw new UnprocessableError(`${connection.provider_name} has no published connector or built-in implementation`);
    throw err;
  }
}

export async function openWritableProvider(deps: ServiceDeps, applicationId: string, connection: Target, runtime?: HttpRuntime): Promise<WritableProvider> {
  const provider = await openProvider(deps, applicationId, connection, runtime);
  if (!provider.write) throw new UnprocessableError(`${connection.provider_name} cannot write records`, { summary: 'Writes not supported' });
  return provider as WritableProvider;
}

/**
 * A write the provider cannot do (UnsupportedWriteError), or a configuration error about the request
 * with no HTTP answer behind it (an object the provider does not have), is the caller's input: a
 * field-level 400. Anything else stays the provider's failure (499).
 */
export function asInputError(err: unknown): unknown {
  if (err instanceof UnsupportedWriteError)
    return new SchemaValidationError('json', [{ path: err.field, message: err.message, code: 'unsupported' }], { summary: 'The provider cannot do this write' });
  if (err instanceof ProviderError && err.kind === 'configuration' && err.status === undefined && !(err instanceof UnknownProviderError)) {
    return new SchemaValidationError('json', [{ path: 'object', message: err.message, code: 'unsupported' }], { summary: 'The provider cannot do this write' });
  }
  return err;
}
