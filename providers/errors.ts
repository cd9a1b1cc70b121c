/**
 * Provider failures classified for the sync engine: authentication, permission and
 * configuration errors pause the sync; transient ones are retried with backoff.
 */
export type ProviderErrorKind = 'authentication' | 'permission' | 'configuration' | 'transient' | 'unknown';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly status?: number;
  /** The start of the provider's response body, for the run's error_message. */
  readonly bodyExcerpt?: string;

  constructor(kind: ProviderErrorKind, message: string, opts: { status?: number; bodyExcerpt?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = opts.status;
    this.bodyExcerpt = opts.bodyExcerpt;
  }

  /** Errors that a retry cannot fix; the sync is paused with this reason instead. */
  get pausesSync(): boolean {
    return this.kind === 'authentication' || this.kind === 'permission' || this.kind === 'configuration';
  }
}

/** Neither a published connector nor a built-in provider has that name: there is nothing to open. */
export class UnknownProviderError extends ProviderError {
  constructor(providerName: string) {
    super('configuration', `No connector or built-in provider named "${providerName}"`);
    this.name = 'UnknownProviderError';
  }
}
