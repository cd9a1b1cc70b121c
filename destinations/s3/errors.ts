/**
 * Turns S3 SDK errors into messages a user can act on, classified like the other destinations:
 * credentials, permissions and a wrong bucket or region pause the sync; the rest are retried.
 * Never includes credentials.
 */
import { RemoteError, type RemoteErrorKind } from '../../lib/errors';

export class S3DestinationError extends RemoteError {
  constructor(kind: RemoteErrorKind, message: string, options: { status?: number; cause?: unknown } = {}) {
    super('destination', kind, message, options);
  }
}

interface S3ErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const ACCESS_CODES = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AllAccessDisabled']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Strips userinfo from an endpoint before it appears in a message. */
function safeEndpoint(endpoint: string | undefined): string {
  if (!endpoint) return 'the S3 endpoint';
  try {
    const u = new URL(endpoint);
    return u.origin;
  } catch {
    return 'the S3 endpoint';
  }
}

export interface S3ErrorContext {
  bucket: string;
  endpoint?: string;
  /** What we were doing, e.g. "writing part-000001". */
  action: string;
}

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);

export function describeS3Error(err: unknown, ctx: S3ErrorContext): S3DestinationError {
  const e = (err ?? {}) as S3ErrorLike;
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const prefix = `S3 destination: ${ctx.action} failed`;
  let kind: RemoteErrorKind;
  let detail: string;
  if (code === 'NoSuchBucket' || (status === 404 && (code === 'NotFound' || code === 'NoSuchBucket'))) {
    kind = 'configuration';
    detail = `bucket '${ctx.bucket}' does not exist`;
  } else if (ACCESS_CODES.has(code) || status === 403) {
    kind = CREDENTIAL_CODES.has(code) ? 'authentication' : 'permission';
    const why = code === 'InvalidAccessKeyId' ? ' (unknown access_key_id)' : code === 'SignatureDoesNotMatch' ? ' (secret_access_key does not match)' : '';
    detail = `access denied${why}: check access_key_id/secret_access_key and that they may write to bucket '${ctx.bucket}'`;
  } else if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    kind = 'configuration';
    detail = `bucket '${ctx.bucket}' is in a different region than configured: check region`;
  } else if (networkCode(err)) {
    kind = 'transient';
    detail = `cannot reach ${safeEndpoint(ctx.endpoint)} (${networkCode(err)})`;
  } else {
    kind = status !== undefined && (status >= 500 || status === 429 || status === 408) ? 'transient' : 'unknown';
    const msg = typeof e.message === 'string' && e.message.length > 0 ? e.message.slice(0, 300) : 'unknown error';
    detail = `${code || 'error'}${status ? ` (HTTP ${status})` : ''}: ${msg}`;
  }
  return new S3DestinationError(kind, `${prefix}: ${detail}`, { status, cause: err });
}
