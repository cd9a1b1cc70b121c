/**
 * BigQuery failures turned into short, readable errors classified like ProviderError:
 * credential, permission and configuration errors pause the sync; the rest are retried.
 * Messages carry the API's message only, never request options (which hold the signed assertion).
 */
import { RemoteError } from '../../lib/errors';

export type BigQueryErrorKind = 'authentication' | 'permission' | 'configuration' | 'transient' | 'unknown';

export class BigQueryDestinationError extends RemoteError {
  declare readonly kind: BigQueryErrorKind;

  constructor(kind: BigQueryErrorKind, message: string, status?: number) {
    super('destination', kind, message, { status });
  }
}

interface ErrorLike {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  errors?: Array<{ reason?: string; message?: string }>;
  response?: { status?: number; data?: { error?: unknown; error_description?: unknown } };
}

const AUTH_PATTERNS = [
  /invalid_grant/i,
  /invalid_client/i,
  /unauthorized_client/i,
  /invalid jwt/i,
  /DECODER routines/i,
  /PEM/,
  /private key/i,
  /asymmetric key/i,
  /no key or keyfile/i,
  /Request had invalid authentication credentials/i,
];

function statusOf(e: ErrorLike): number | undefined {
  for (const v of [e.code, e.status, e.response?.status]) if (typeof v === 'number') return v;
  return undefined;
}

/** First line of the API's message, trimmed to a sane length. */
function shortMessage(e: ErrorLike): string {
  const raw = typeof e.message === 'string' ? e.message : String(e);
  const line = raw.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const TRANSIENT_REASONS = /^(backendError|internalError|rateLimitExceeded|jobRateLimitExceeded|quotaExceeded|tableUnavailable)$/;

/** Job failures carry no HTTP status, only `errors[].reason`: derive one so both paths classify alike. */
function effectiveStatus(status: number | undefined, reasons: string[], msg: string): number | undefined {
  if (status !== undefined) return status;
  if (reasons.some((r) => TRANSIENT_REASONS.test(r))) return 503;
  if (reasons.includes('notFound')) return 404;
  if (reasons.includes('accessDenied')) return 403;
  if (reasons.some((r) => /^invalid/.test(r))) return 400;
  return /^Not found:/i.test(msg) ? 404 : undefined;
}

/** `what` names the thing being touched, e.g. "dataset `p.ds`". */
export function toBigQueryError(err: unknown, what: string): BigQueryDestinationError {
  if (err instanceof BigQueryDestinationError) return err;
  const e = (err ?? {}) as ErrorLike;
  const msg = shortMessage(e);
  const reasons = (e.errors ?? []).map((x) => x.reason ?? '');
  const status = effectiveStatus(statusOf(e), reasons, msg);
  const transient =
    reasons.some((r) => TRANSIENT_REASONS.test(r)) || /concurrent update|serialize access|try again|retry/i.test(msg) || status === 429 || (status !== undefined && status >= 500);
  if (status === 401 || AUTH_PATTERNS.some((re) => re.test(msg))) {
    return new BigQueryDestinationError('authentication', `BigQuery invalid credentials: ${msg}`, status);
  }
  if (transient) return new BigQueryDestinationError('transient', `BigQuery temporarily failed on ${what}: ${msg}`, status);
  if (status === 403) return new BigQueryDestinationError('permission', `BigQuery permission denied on ${what}: ${msg}`, status);
  if (status === 404) {
    const kind = /dataset/i.test(msg) || /^dataset/.test(what) ? 'dataset' : 'table';
    return new BigQueryDestinationError('configuration', `BigQuery ${kind} not found (${what}): ${msg}`, status);
  }
  if (status === 400) return new BigQueryDestinationError('configuration', `BigQuery rejected the request on ${what}: ${msg}`, status);
  return new BigQueryDestinationError('unknown', `BigQuery error on ${what}: ${msg}`, status);
}
