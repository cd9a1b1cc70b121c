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

/** `pretty`: readable lines for a person at a terminal (pino-pretty, in pino's transport thread); `json` otherwise. */
export function createLogger(level: string, name = 'syncwell', format: 'json' | 'pretty' = 'json'): Logger {
  const transport = format === 'pretty' ? { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' } } : undefined;
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' }, ...(transport ? { transport } : {}) });
}

export type { Logger };
