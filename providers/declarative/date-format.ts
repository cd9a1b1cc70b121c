/**
 * Incremental cursors: formatting the lower bound for the API and parsing
 * replication-key values (ISO 8601 strings or Unix seconds/milliseconds).
 */
export const NAMED_FORMATS = ['timestamp', 'timestamp_ms', 'iso8601'] as const;
const DIRECTIVES = new Set(['Y', 'm', 'd', 'H', 'M', 'S', 'z', '%']);

/** Returns a human-readable problem with the format, or null when it is usable. */
export function dateFormatProblem(format: string): string | null {
  if ((NAMED_FORMATS as readonly string[]).includes(format)) return null;
  if (!format.includes('%')) {
    return `unknown date format "${format}": use timestamp, timestamp_ms, iso8601 or a strftime pattern such as %Y-%m-%dT%H:%M:%SZ`;
  }
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    const d = format[i + 1];
    if (d === undefined || !DIRECTIVES.has(d)) {
      return `unsupported strftime directive "%${d ?? ''}" in "${format}" (supported: %Y %m %d %H %M %S %z %%)`;
    }
    i++;
  }
  return null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Formats the cursor in UTC. Sub-second precision is floored, never rounded up,
 * so an inclusive bound can only widen (duplicates are deduped downstream) and
 * never skips a record.
 */
export function formatCursor(date: Date, format: string): string {
  const ms = date.getTime();
  if (format === 'timestamp') return String(Math.floor(ms / 1000));
  if (format === 'timestamp_ms') return String(ms);
  if (format === 'iso8601') return date.toISOString();
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const d = format[++i];
    switch (d) {
      case 'Y':
        out += pad(date.getUTCFullYear(), 4);
        break;
      case 'm':
        out += pad(date.getUTCMonth() + 1);
        break;
      case 'd':
        out += pad(date.getUTCDate());
        break;
      case 'H':
        out += pad(date.getUTCHours());
        break;
      case 'M':
        out += pad(date.getUTCMinutes());
        break;
      case 'S':
        out += pad(date.getUTCSeconds());
        break;
      case 'z':
        out += '+0000';
        break;
      case '%':
        out += '%';
        break;
      default:
        throw new Error(`unsupported strftime directive %${d ?? ''}`);
    }
  }
  return out;
}

// Values below this are Unix seconds (1e11 s is the year 5138); above, milliseconds (1e11 ms is 1973).
const SECONDS_THRESHOLD = 1e11;
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const DIGITS = /^\d{9,}(?:\.\d+)?$/;

function fromEpoch(n: number): Date | null {
  if (!Number.isFinite(n)) return null;
  return new Date(Math.abs(n) < SECONDS_THRESHOLD ? n * 1000 : n);
}

/** Parses a replication-key value; zone-less date-times are taken as UTC. Null when unparseable. */
export function parseTimestamp(value: unknown): Date | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value === '') return null;
  if (DIGITS.test(value)) return fromEpoch(Number(value));
  const iso = NO_ZONE.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t);
}
