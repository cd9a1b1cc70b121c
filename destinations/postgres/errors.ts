/**
 * Postgres failures turned into short, readable errors, classified like the other destinations:
 * credential, permission and configuration errors pause the sync; transient ones are retried;
 * `data` errors (a value Postgres rejects) fail the run at once: retrying will not help.
 * Messages never carry the password or TLS keys (pg's own messages do not include them).
 */
import { RemoteError } from '../../lib/errors';

export type PostgresErrorKind = 'authentication' | 'permission' | 'configuration' | 'transient' | 'data' | 'unknown';

export class PostgresDestinationError extends RemoteError {
  declare readonly kind: PostgresErrorKind;
  /** SQLSTATE or Node error code, when there is one. */
  readonly code?: string;

  constructor(kind: PostgresErrorKind, message: string, code?: string, options?: { cause?: unknown }) {
    super('destination', kind, message, options);
    if (code !== undefined) this.code = code;
  }
}

export interface ErrorContext {
  host: string;
  port: number;
  user: string;
  database: string;
  connectTimeoutMs?: number;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown[];
  cause?: unknown;
}

const NETWORK_TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED']);
const TLS_CODES = /^(ERR_TLS_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_SSL_|ERR_OSSL_)/;

function firstLine(value: unknown): string {
  const line = (typeof value === 'string' ? value : String(value)).split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Node reports a refused connection to a multi-address host as an AggregateError; use its first error's code. */
function codeOf(e: ErrorLike): string | undefined {
  if (typeof e.code === 'string') return e.code;
  for (const inner of [...(e.errors ?? []), e.cause]) {
    const code = (inner as ErrorLike | undefined)?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function isSqlState(code: string | undefined): code is string {
  return !!code && /^[0-9A-Z]{5}$/.test(code);
}

/** `what` names the thing being touched, e.g. `table "public"."hubspot_deals"`. */
export function toPostgresError(err: unknown, what: string, ctx: ErrorContext): PostgresDestinationError {
  if (err instanceof PostgresDestinationError) return err;
  const e = (err ?? {}) as ErrorLike;
  const code = codeOf(e);
  const msg = firstLine(e.message ?? e) || (code ?? 'unknown error');
  const at = `${ctx.host}:${ctx.port}`;
  const make = (kind: PostgresErrorKind, message: string) => new PostgresDestinationError(kind, message, code, { cause: err });

  if (isSqlState(code)) {
    if (code === '28P01') return make('authentication', `Postgres authentication failed for user "${ctx.user}" at ${at} (check the user and password)`);
    if (code.startsWith('28')) return make('authentication', `Postgres rejected the connection for user "${ctx.user}" at ${at}: ${msg}`);
    if (code === '3D000') return make('configuration', `Postgres database "${ctx.database}" does not exist at ${at}`);
    if (code === '42501') return make('permission', `Postgres permission denied on ${what}: ${msg}`);
    if (code === '42P10') {
      return make(
        'configuration',
        `${what} has no primary key or unique index on (_supaglue_application_id, _supaglue_provider_name, _supaglue_customer_id, _supaglue_id): ${msg}`,
      );
    }
    if (code === '3F000' || code === '42P01' || code === '42703' || code === '42804' || code === '42809') {
      return make('configuration', `Postgres rejected ${what}: ${msg}`);
    }
    if (code.startsWith('08') || code.startsWith('53') || code === '40001' || code === '40P01' || code === '55P03' || /^57P0[1-3]$/.test(code) || code === '57014') {
      return make('transient', `Postgres temporarily failed on ${what}: ${msg} (${code})`);
    }
    if (code.startsWith('22') || code === '23502' || code === '23514') return make('data', `Postgres rejected a value in ${what}: ${msg} (${code})`);
    return make('unknown', `Postgres error on ${what}: ${msg} (${code})`);
  }

  if (code === 'ENOTFOUND') return make('configuration', `cannot resolve Postgres host "${ctx.host}"`);
  if (code === 'ECONNREFUSED') return make('transient', `cannot connect to Postgres at ${at}: connection refused`);
  if (code && NETWORK_TRANSIENT.has(code)) return make('transient', `cannot connect to Postgres at ${at}: ${msg}`);
  if (/timeout exceeded when trying to connect/i.test(msg)) {
    return make('transient', `no free Postgres connection for ${what} within ${(ctx.connectTimeoutMs ?? 0) / 1000}s (pool busy)`);
  }
  if (/timeout expired|connection timeout/i.test(msg)) {
    const within = ctx.connectTimeoutMs ? ` within ${ctx.connectTimeoutMs / 1000}s` : '';
    return make('transient', `cannot connect to Postgres at ${at}: no answer${within}`);
  }
  if (/does not support SSL/i.test(msg)) return make('configuration', `Postgres at ${at} does not support SSL, but ssl_mode requires it`);
  if ((code && TLS_CODES.test(code)) || /certificate|self[- ]signed|Hostname\/IP does not match/i.test(msg)) {
    return make('configuration', `TLS handshake with Postgres at ${at} failed: ${msg}`);
  }
  if (/Connection terminated/i.test(msg)) return make('transient', `connection to Postgres at ${at} was lost: ${msg}`);
  return make('unknown', `Postgres error on ${what}: ${msg}`);
}
