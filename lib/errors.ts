/**
 * The domain's errors, raised by services, providers, destinations and activities alike. Each says
 * whether a retry can fix it and whether it pauses a sync, so nobody guesses from duck typing:
 * the API maps them to status codes (api/errors.ts), sync activities to Temporal failures.
 */

export abstract class DomainError extends Error {
  /** A later attempt may succeed (a provider's 503); false: the first failure is final. */
  abstract readonly retryable: boolean;
  /** Only a person can fix it (credentials, permissions, configuration): a sync that meets it is paused. */
  abstract readonly pausesSync: boolean;
  /** A short summary of the failure, when the class's generic one would say too little. */
  readonly summary?: string;

  constructor(message: string, options: { cause?: unknown; summary?: string } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    if (options.summary !== undefined) this.summary = options.summary;
  }
}

/** Our own data is missing: an unknown id, or a row deleted while a run used it. */
export class NotFoundError extends DomainError {
  readonly retryable = false;
  readonly pausesSync = false;

  /** `resource` names what is missing, e.g. "Connection". */
  constructor(
    readonly resource: string,
    message = `${resource} not found`,
  ) {
    super(message);
  }
}

/** The change contradicts the current state: a duplicate, a stale version, a resource still in use. */
export class ConflictError extends DomainError {
  readonly retryable = false;
  readonly pausesSync = false;

  constructor(message: string, options: { summary?: string } = {}) {
    super(message, options);
  }
}

/** One offending field of an input. */
export interface FieldIssue {
  /** Dotted path into the input (`config.url`, `field_mappings.0.mapped_field`); '' for the input as a whole. */
  path: string;
  message: string;
  /** Machine-readable reason: zod's issue codes, or ours (`invalid_url`, `private_address`, ...). */
  code: string;
}

/** The caller's input is wrong, field by field when `issues` says which. */
export class InvalidInputError extends DomainError {
  readonly retryable = false;
  readonly pausesSync = false;
  readonly issues: readonly FieldIssue[];
  /** Which part of the request the issues are in (`json`, `query`, `param`, ...), when known. */
  readonly location?: string;

  constructor(message: string, options: { issues?: readonly FieldIssue[]; location?: string; summary?: string } = {}) {
    super(message, { summary: options.summary });
    this.issues = options.issues ?? [];
    if (options.location !== undefined) this.location = options.location;
  }
}

/** The input at `location` does not fit its schema; the message lists every issue (`json.config.url: ...`). */
export class SchemaValidationError extends InvalidInputError {
  declare readonly location: string;

  constructor(location: string, issues: readonly FieldIssue[], options: { summary?: string } = {}) {
    super(issues.map((i) => `${location}${i.path ? `.${i.path}` : ''}: ${i.message}`).join('; '), { issues, location, summary: options.summary });
  }
}

/**
 * Valid, but nothing this configuration can carry out (a destination type without a writer, an
 * entity nobody mapped): it takes a person to change the configuration, so a sync meeting it pauses.
 */
export class UnprocessableError extends DomainError {
  readonly retryable = false;
  readonly pausesSync = true;
}

export type RemoteErrorKind = 'authentication' | 'permission' | 'configuration' | 'transient' | 'data' | 'unknown';

const PAUSING_KINDS: ReadonlySet<RemoteErrorKind> = new Set(['authentication', 'permission', 'configuration']);

/**
 * A provider or destination failed or refused. Credentials, permissions and configuration pause the
 * sync; transient and unclassified failures are retried; `data` (a value the destination rejects)
 * fails at once, as does anything its source declares not retryable (a 4xx from an HTTP target).
 */
export class RemoteError extends DomainError {
  readonly retryable: boolean;
  readonly pausesSync: boolean;
  /** The remote's HTTP status, when it answered with one. */
  readonly status?: number;
  /** The start of the remote's answer (secrets redacted), for the run's error_message. */
  readonly bodyExcerpt?: string;

  constructor(
    readonly origin: 'provider' | 'destination',
    readonly kind: RemoteErrorKind,
    message: string,
    options: { status?: number; bodyExcerpt?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.pausesSync = PAUSING_KINDS.has(kind);
    this.retryable = !this.pausesSync && (options.retryable ?? (kind === 'transient' || kind === 'unknown'));
    if (options.status !== undefined) this.status = options.status;
    if (options.bodyExcerpt !== undefined) this.bodyExcerpt = options.bodyExcerpt;
  }
}

/**
 * The provider refused the record written to it (a required field missing, a duplicate unique value,
 * an update of a record it does not have): the caller's data must change. Carries the provider's
 * own message, the field it names and its error code, and the status it answered with.
 */
export class RecordRejectedError extends DomainError {
  readonly retryable = false;
  readonly pausesSync = false;

  constructor(
    message: string,
    readonly rejection: { status: number; field?: string; code?: string },
  ) {
    super(message);
  }
}

/** A failure as a run or job records it: the message, with the remote's answer when the message lacks it. */
export function failureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const excerpt = err instanceof RemoteError ? err.bodyExcerpt : undefined;
  return excerpt && !message.includes(excerpt) ? `${message}: ${excerpt}` : message;
}
