/** pg client options (TLS per libpq's ssl modes) for a Postgres destination. */
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import pg from 'pg';
import type { PostgresDestinationConfig, SslMode } from './config';

export type SslOptions = false | ConnectionOptions;

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** TLS options for a mode; `prefer` gives the options of its TLS attempt (see `resolveSsl`). */
export function sslOptions(config: PostgresDestinationConfig, mode: SslMode = config.ssl_mode ?? 'prefer'): SslOptions {
  if (mode === 'disable') return false;
  const base: ConnectionOptions = {
    ...(config.server_ca_cert ? { ca: config.server_ca_cert } : {}),
    ...(config.client_cert ? { cert: config.client_cert, key: config.client_key } : {}),
  };
  const servername = config.server_name ?? (isIp(config.host) ? undefined : config.host);
  switch (mode) {
    case 'no-verify':
    case 'prefer':
      return { ...base, rejectUnauthorized: false, ...(servername ? { servername } : {}) };
    case 'require':
      // libpq: `require` with a root certificate behaves like verify-ca.
      return config.server_ca_cert ? sslOptions(config, 'verify-ca') : { ...base, rejectUnauthorized: false, ...(servername ? { servername } : {}) };
    case 'verify-ca':
      return { ...base, rejectUnauthorized: true, checkServerIdentity: () => undefined, ...(servername ? { servername } : {}) };
    case 'verify-full': {
      // Without server_name the certificate is checked against `host` (for IPs too). pg sets SNI to
      // a host name itself, overriding `servername`, so server_name is enforced by checkServerIdentity.
      const expected = config.server_name;
      return {
        ...base,
        rejectUnauthorized: true,
        ...(servername ? { servername } : {}),
        ...(expected ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(expected, cert) } : {}),
      };
    }
  }
}

function isIp(host: string): boolean {
  return isIP(host) !== 0;
}

export function clientConfig(config: PostgresDestinationConfig, ssl: SslOptions, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): pg.ClientConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'syncwell',
    keepAlive: true,
  };
}

/**
 * The TLS options to use. For `prefer` (libpq's default) this tries TLS once and falls back to plain
 * TCP when the server does not offer it; other errors (wrong password, unknown database) are thrown.
 */
export async function resolveSsl(config: PostgresDestinationConfig, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<SslOptions> {
  const mode = config.ssl_mode ?? 'prefer';
  const tls = sslOptions(config, mode);
  if (mode !== 'prefer') return tls;
  const client = new pg.Client(clientConfig(config, tls, connectTimeoutMs));
  client.on('error', () => undefined);
  try {
    await client.connect();
    return tls;
  } catch (err) {
    if (/does not support SSL/i.test(String((err as Error)?.message))) return false;
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}
