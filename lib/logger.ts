import { pino, type Logger } from 'pino';

const SECRET_KEYS = [
  'password',
  'secret',
  'token',
  'api_key',
  'apiKey',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret_access_key',
  'credentials',
  'authorization',
  'x-api-key',
];

/** Masked wherever they appear (up to two levels deep), so a secret that reaches a log line is never printed. */
const REDACT = SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]);

export function createLogger(level: string, name = 'syncwell'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };
