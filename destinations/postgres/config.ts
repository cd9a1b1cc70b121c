import { z } from 'zod';

/**
 * `postgres_config_unsafe`: where a Postgres destination writes. libpq's ssl modes:
 * - `disable`: plain TCP.
 * - `prefer` (default, as in libpq): TLS without verification when the server offers it, plain otherwise.
 * - `no-verify` / `require`: TLS, certificate not verified (`require` with `server_ca_cert` verifies the CA, as libpq does).
 * - `verify-ca`: TLS, the chain must lead to `server_ca_cert` (or the system roots); the host name is not checked.
 * - `verify-full`: `verify-ca` plus the certificate must name `server_name` (default: `host`).
 * `client_cert` + `client_key` (PEM) enable TLS client authentication. `password` and `client_key` are secrets.
 */
export const SSL_MODES = ['disable', 'no-verify', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const pem = (what: string) =>
  z
    .string()
    .trim()
    .regex(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/, `${what} must be PEM text`);

export const postgresDestinationConfigSchema = z
  .object({
    host: z.string().trim().min(1, 'host is required'),
    port: z.coerce.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1, 'database is required').max(63),
    schema: z.string().trim().min(1, 'schema is required').max(63),
    user: z.string().min(1, 'user is required'),
    password: z.string(),
    ssl_mode: z.enum(SSL_MODES).optional(),
    server_ca_cert: pem('server_ca_cert').optional(),
    client_cert: pem('client_cert').optional(),
    client_key: pem('client_key').optional(),
    server_name: z.string().trim().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (!!c.client_cert !== !!c.client_key) {
      ctx.addIssue({ code: 'custom', path: [c.client_cert ? 'client_key' : 'client_cert'], message: 'client_cert and client_key go together' });
    }
    if (c.ssl_mode === 'disable' && (c.server_ca_cert || c.client_cert)) {
      ctx.addIssue({ code: 'custom', path: ['ssl_mode'], message: 'certificates given but ssl_mode is disable' });
    }
  });

export type PostgresDestinationConfigInput = z.input<typeof postgresDestinationConfigSchema>;
export type PostgresDestinationConfig = z.output<typeof postgresDestinationConfigSchema>;
