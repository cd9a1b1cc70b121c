import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

// pino-pretty (~8 MB once loaded) only for LOG_FORMAT=pretty: a JSON-logging worker never loads it.
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');

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

/** `pretty`: readable lines for a person at a terminal (pino-pretty); `json` otherwise. */
export function createLogger(level: string, name = 'syncwell', format: 'json' | 'pretty' = 'json'): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  // Synchronous, in this thread: a line is out before the next console output (the banner stays last).
  return format === 'pretty' ? pino(options, loadPretty()({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss', sync: true })) : pino(options);
}

export type { Logger };
