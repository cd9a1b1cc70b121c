/**
 * Provider failures classified for the sync engine (a RemoteError of origin `provider`):
 * authentication, permission and configuration errors pause the sync; transient ones are
 * retried with backoff.
 */
import { RemoteError } from '../lib/errors';

export type ProviderErrorKind = 'authentication' | 'permission' | 'configuration' | 'transient' | 'unknown';

export class ProviderError extends RemoteError {
  declare readonly kind: ProviderErrorKind;

  constructor(kind: ProviderErrorKind, message: string, opts: { status?: number; bodyExcerpt?: string; cause?: unknown } = {}) {
    super('provider', kind, message, opts);
  }

  /** The same failure, its message prefixed with what we asked the provider for, and what to do about it. */
  withContext(what: string): ProviderError {
    const hint = this.kind === 'authentication' ? ' (check the connection credentials)' : this.kind === 'transient' ? ' (try again later)' : '';
    return new ProviderError(this.kind, `${what}: ${this.message}${hint}`, { status: this.status, bodyExcerpt: this.bodyExcerpt, cause: this });
  }
}

/** Neither a published connector nor a built-in provider has that name: there is nothing to open. */
export class UnknownProviderError extends ProviderError {
  constructor(providerName: string) {
    super('configuration', `No connector or built-in provider named "${providerName}"`);
  }
}

/**
 * A write whose request may have reached the provider but whose answer never came (a timeout, a
 * 5xx, a dropped connection after sending): sending it again could write the records twice, so
 * callers record the outcome as unknown instead of retrying a create.
 */
export class WriteOutcomeUnknownError extends ProviderError {
  constructor(message: string, opts: { status?: number; bodyExcerpt?: string; cause?: unknown } = {}) {
    super('transient', message, opts);
  }
}

/**
 * The provider cannot do this write at all, whatever the record: an object it does not have or
 * cannot write, an operation it lacks, a field it cannot match on. `field` names the part of the
 * request at fault, so the API answers a field-level 400.
 */
export class UnsupportedWriteError extends ProviderError {
  constructor(
    readonly field: 'object' | 'operation' | 'match.field',
    message: string,
  ) {
    super('configuration', message);
  }
}
