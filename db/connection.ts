import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

// int8 (counts, sums) as numbers: our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;

export function createDb(url: string, poolSize = 10, onIdleError?: (err: Error) => void): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client's connection dropped (server restart, Ctrl-C reaching postgres first):
  // the pool replaces it; without a listener node would crash the process.
  pool.on('error', (err) => onIdleError?.(err));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
