/** Row-id and constraint checks: what a request id can name, and which write a unique constraint refused. */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path or body id that is not a UUID cannot name a row: callers treat it as not found (never a pg cast error). */
export const isUuid = (id: string): boolean => UUID_RE.test(id);

/** A unique constraint refused the write (Postgres 23505): the caller answers 409. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';
