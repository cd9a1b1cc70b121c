/**
 * Postgres destination (Supaglue-compatible tables).
 *
 * Per batch, in ONE transaction: `COPY ... FROM STDIN` (text format) into a TEMP staging table
 * (ON COMMIT DROP), then one set-based `INSERT ... SELECT DISTINCT ON (_supaglue_id) ... ON CONFLICT
 * (application, provider, customer, id) DO UPDATE`. Within a batch the last occurrence of an id
 * wins; a retried batch upserts the same rows again, so it never duplicates. While a run's batches
 * are all new rows (a first full load), each first tries one `COPY` straight into the table under
 * a savepoint; the primary key turns any existing or repeated id into a rollback to the upsert, and
 * the run upserts until a batch only adds rows again.
 *
 * Extending the transaction: `writer.writeBatch(target, batch, { afterWrite })` runs
 * `afterWrite(client)` after the upsert and before COMMIT on the same connection, so the sync engine
 * can commit its progress (cursor, page state) atomically with the data when the destination is also
 * where it keeps state. For full control use `writeBatchInTransaction(client, target, batch)` on a
 * client of your own between your own BEGIN and COMMIT.
 *
 * Tables: `crm_<object>s` for common objects, `<provider>_<object>` otherwise, all identifiers
 * sanitized (see naming.ts) and quoted; `target.schema` / `target.table` override the destination's
 * schema / the derived name. One pool per writer; the registry's writer cache keeps one writer per
 * destination and rebuilds it when the destination's version changes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../lib/logger';
import type { DestinationRecord, DestinationWriter, FinishRun, WriteBatch, WriteTarget } from '../types';
import { postgresDestinationConfigSchema, type PostgresDestinationConfig, type PostgresDestinationConfigInput } from './config';
import { DEFAULT_CONNECT_TIMEOUT_MS, clientConfig, resolveSsl, type SslOptions } from './connection';
import { copyField, copyInto, copyJson, copyJsonField, type CopyBuffer } from './copy';
import { PostgresDestinationError, toPostgresError, type ErrorContext } from './errors';
import { KEY_COLUMNS, PROBE_PREFIX, qualified, quoteIdent, recordColumns, schemaName, tableName, targetColumns, type Column } from './naming';

export interface PostgresWriterOptions {
  /** Pool size (max connections) of this writer; default 5. */
  poolSize?: number;
  logger?: Logger;
  /** Connect timeout for the pool and for `test()`; default 10 s. */
  connectTimeoutMs?: number;
}

export interface WriteBatchOptions {
  /**
   * Runs after the upsert, before COMMIT, on the batch's connection: whatever it writes commits
   * (or rolls back) together with the batch. Throwing rolls the batch back.
   */
  afterWrite?: (client: pg.PoolClient) => Promise<void>;
}

export interface PostgresDestinationWriter extends DestinationWriter {
  writeBatch(target: WriteTarget, batch: WriteBatch, options?: WriteBatchOptions): Promise<void>;
  holdsRecordsBefore(target: WriteTarget, at: Date): Promise<boolean>;
  /** `"schema"."table"` a target writes to (for logs and the engine's own queries). */
  tableFor(target: WriteTarget): { schema: string; table: string };
  readonly closed: boolean;
}

const PG_UNIQUE_VIOLATION = '23505';
const PG_DUPLICATE_TABLE = '42P07';
const PG_DUPLICATE_SCHEMA = '42P06';
const PG_DUPLICATE_OBJECT = '42710';
const PG_DUPLICATE_COLUMN = '42701';
const PG_UNDEFINED_TABLE = '42P01';
const PG_INVALID_SCHEMA = '3F000';

const sqlCode = (err: unknown) => (err as { code?: unknown })?.code;

/** A lost race with a concurrent CREATE ... IF NOT EXISTS: the object exists now. */
function isCreateRace(err: unknown): boolean {
  const code = sqlCode(err);
  return code === PG_UNIQUE_VIOLATION || code === PG_DUPLICATE_TABLE || code === PG_DUPLICATE_SCHEMA || code === PG_DUPLICATE_OBJECT || code === PG_DUPLICATE_COLUMN;
}

function columnDef(c: Column): string {
  return `${quoteIdent(c.name)} ${c.type}`;
}

/** Creates the schema when missing (checked first, so a user without CREATE on the database can use an existing one). */
async function ensureSchema(client: pg.ClientBase, schema: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (rowCount) return;
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    if (!isCreateRace(err)) throw err;
  }
}

/**
 * Creates `schema.table` for the target when missing, and adds any missing `_supaglue_*` column to an
 * existing table. Idempotent and safe when several workers prepare the same table at once: the
 * unique_violation a concurrent CREATE TABLE IF NOT EXISTS can raise (on pg_type / pg_class) means
 * the other one won and the table exists. Returns whether the table has a unique index on exactly
 * the key columns (one we create always has; a user's own table may lack it).
 */
export async function prepareTable(client: pg.ClientBase, schema: string, table: string, target: Pick<WriteTarget, 'objectType'>): Promise<boolean> {
  await ensureSchema(client, schema);
  const columns = targetColumns(target);
  const q = qualified(schema, table);
  const existing = async () =>
    (
      await client.query<{ attname: string }>(
        `SELECT a.attname FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
        [schema, table],
      )
    ).rows.map((r) => r.attname);
  let have = await existing();
  if (have.length === 0) {
    const pk = KEY_COLUMNS.map(quoteIdent).join(', ');
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${q} (${columns.map(columnDef).join(', ')}, PRIMARY KEY (${pk}))`);
      return hasKeyIndex(client, schema, table);
    } catch (err) {
      if (!isCreateRace(err)) throw err;
    }
    have = await existing();
  }
  for (const c of columns) {
    if (have.includes(c.name)) continue;
    try {
      await client.query(`ALTER TABLE ${q} ADD COLUMN IF NOT EXISTS ${columnDef(c)}`);
    } catch (err) {
      if (!isCreateRace(err)) throw err;
    }
  }
  return hasKeyIndex(client, schema, table);
}

/** A plain (non-partial, non-expression) unique index on exactly the key columns: what ON CONFLICT needs. */
async function hasKeyIndex(client: pg.ClientBase, schema: string, table: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum = ANY (i.indkey)) = $3::text[]
        AND cardinality(i.indkey) = cardinality($3::text[])`,
    [schema, table, [...KEY_COLUMNS].sort()],
  );
  return (rowCount ?? 0) > 0;
}

/** COPY data columns of the staging table: the row's position (last occurrence wins) and the per-record columns. */
const ORD = '_supaglue_ord';

/**
 * Writes the COPY rows of `records` in `recordColumns` order (id, emitted_at, last_modified_at,
 * is_deleted, raw, mapped[, unified]), each after its prefix (the staging ordinal, or the key columns
 * for a direct insert), yielding after each row (copyInto). A record's text is written on its own:
 * the longest piece is never copied into a row string first.
 */
function* encodeRecords(out: CopyBuffer, records: readonly DestinationRecord[], prefix: (i: number) => string, common: boolean): Generator<void> {
  // The records of a page share one emittedAt: its text once.
  let emitted: Date | undefined;
  let emittedText = '';
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.emittedAt !== emitted) {
      if (!(r.emittedAt instanceof Date) || Number.isNaN(r.emittedAt.getTime())) {
        throw new PostgresDestinationError('data', `record ${JSON.stringify(r.id)} has an invalid emittedAt`);
      }
      emitted = r.emittedAt;
      emittedText = emitted.toISOString();
    }
    const lastModified = r.lastModifiedAt && !Number.isNaN(r.lastModifiedAt.getTime()) ? r.lastModifiedAt.toISOString() : '\\N';
    out.write(`${prefix(i)}${copyField(String(r.id))}\t${emittedText}\t${lastModified}\t${r.isDeleted ? 't' : 'f'}\t`);
    out.write(r.rawJson === undefined ? copyJson(r.raw ?? {}) : copyJsonField(r.rawJson));
    out.write(common ? `\t${mappedJson(r.mapped)}\t${r.unified === undefined ? '\\N' : copyJson(r.unified)}\n` : `\t${mappedJson(r.mapped)}\n`);
    yield;
  }
}

/** `copyJson` of a record's mapped fields. Most syncs map none: an empty object's text needs no stringify. */
function mappedJson(mapped: Record<string, unknown> | undefined): string {
  for (const _ in mapped) return copyJson(mapped);
  return '{}';
}

export interface BatchStats {
  /** Records received. */
  received: number;
  /** Rows inserted or updated (distinct ids). */
  upserted: number;
  /** Of those, rows that did not exist before. */
  inserted: number;
  /** Whether the rows went straight into the table (all new), not through staging. */
  direct: boolean;
}

/**
 * The batch's COPY + upsert on `client`, which MUST be inside a transaction (BEGIN ... COMMIT): the
 * staging table is ON COMMIT DROP. Nothing is committed here, so the caller can add its own writes to
 * the same transaction. Assumes the table exists (see `prepareTable`). Callable several times in one
 * transaction. `defaultSchema` is used when `target.schema` is not set. `direct` first tries a COPY
 * straight into the table (only safe when it has the key index, see `prepareTable`). Sets `work_mem` for the rest
 * of the transaction (SET LOCAL) so the DISTINCT ON sort of a batch stays in memory.
 */
export async function writeBatchInTransaction(
  client: pg.ClientBase,
  target: WriteTarget,
  batch: WriteBatch,
  options: { defaultSchema?: string; direct?: boolean } = {},
): Promise<BatchStats> {
  const records = batch.records;
  if (records.length === 0) return { received: 0, upserted: 0, inserted: 0, direct: false };
  const schema = schemaName(target, options.defaultSchema ?? 'public');
  const table = tableName(target);
  const common = target.objectType === 'common';
  const data = recordColumns(target);
  const all = targetColumns(target).map((c) => c.name);

  if (options.direct) {
    // All new rows (a first full load): COPY straight into the table, half the writes of
    // staging + upsert. Any existing or repeated id aborts it with a unique violation, and
    // the batch takes the upsert path instead, so the outcome is the same either way.
    const keys = [target.applicationId, target.providerName, target.customerId].map((k) => `${copyField(k)}\t`).join('');
    await client.query('SAVEPOINT syncwell_direct');
    try {
      const n = await copyInto(client, qualified(schema, table), all.map(quoteIdent).join(', '), (out) => encodeRecords(out, records, () => keys, common));
      await client.query('RELEASE SAVEPOINT syncwell_direct');
      return { received: records.length, upserted: n, inserted: n, direct: true };
    } catch (err) {
      if (sqlCode(err) !== PG_UNIQUE_VIOLATION) throw err;
      await client.query('ROLLBACK TO SAVEPOINT syncwell_direct');
    }
  }

  const stage = quoteIdent(`_supaglue_stage_${randomBytes(6).toString('hex')}`);

  // DISTINCT ON sorts the whole batch: with the default 4 MB work_mem a batch of ~1 KB records spills to disk.
  await client.query(`SET LOCAL work_mem = '64MB'`);
  await client.query(`CREATE TEMP TABLE ${stage} (${quoteIdent(ORD)} integer, ${data.map(columnDef).join(', ')}) ON COMMIT DROP`);
  await copyInto(client, stage, [ORD, ...data.map((c) => c.name)].map(quoteIdent).join(', '), (out) => encodeRecords(out, records, (i) => `${i}\t`, common));

  const id = quoteIdent('_supaglue_id');
  const updates = all.filter((c) => !(KEY_COLUMNS as readonly string[]).includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
  // xmax is 0 only on a row version no transaction has locked or replaced: one this INSERT created.
  const result = await client.query<{ upserted: number; inserted: number }>(
    `WITH w AS (
       INSERT INTO ${qualified(schema, table)} (${all.map(quoteIdent).join(', ')})
       SELECT DISTINCT ON (s.${id}) $1::text, $2::text, $3::text, ${data.map((c) => `s.${quoteIdent(c.name)}`).join(', ')}
         FROM ${stage} s
        ORDER BY s.${id}, s.${quoteIdent(ORD)} DESC
       ON CONFLICT (${KEY_COLUMNS.map(quoteIdent).join(', ')}) DO UPDATE SET ${updates.join(', ')}
       RETURNING xmax = '0' AS fresh)
     SELECT count(*)::int AS upserted, count(*) FILTER (WHERE fresh)::int AS inserted FROM w`,
    [target.applicationId, target.providerName, target.customerId],
  );
  await client.query(`DROP TABLE ${stage}`);
  return { received: records.length, ...result.rows[0]!, direct: false };
}

/**
 * After a successful FULL run, marks as deleted every row of this application/provider/customer the
 * run did not emit (`_supaglue_emitted_at < runStartedAt`). Failed or incremental runs: nothing.
 * Returns the number of rows soft-deleted.
 */
export async function softDeleteUnseen(client: pg.ClientBase, target: WriteTarget, run: FinishRun, defaultSchema = 'public'): Promise<number> {
  // Nothing older than the run was there: every live row is one the run wrote, and the UPDATE would scan them all for nothing.
  if (!run.success || run.strategy !== 'full' || run.startedEmpty) return 0;
  const col = (c: string) => quoteIdent(c);
  try {
    const res = await client.query(
      `UPDATE ${qualified(schemaName(target, defaultSchema), tableName(target))}
          SET ${col('_supaglue_is_deleted')} = true
        WHERE ${col('_supaglue_application_id')} = $1 AND ${col('_supaglue_provider_name')} = $2 AND ${col('_supaglue_customer_id')} = $3
          AND ${col('_supaglue_emitted_at')} < $4 AND ${col('_supaglue_is_deleted')} IS NOT TRUE`,
      [target.applicationId, target.providerName, target.customerId, run.runStartedAt],
    );
    return res.rowCount ?? 0;
  } catch (err) {
    // No table (nothing was ever written): nothing to delete.
    if (sqlCode(err) === PG_UNDEFINED_TABLE || sqlCode(err) === PG_INVALID_SCHEMA) return 0;
    throw err;
  }
}

/** Whether the target's rows of this application/provider/customer include a live one emitted before `at`. */
export async function holdsRecordsBefore(client: pg.ClientBase, target: WriteTarget, at: Date, defaultSchema = 'public'): Promise<boolean> {
  const col = (c: string) => quoteIdent(c);
  try {
    const { rowCount } = await client.query(
      `SELECT 1 FROM ${qualified(schemaName(target, defaultSchema), tableName(target))}
        WHERE ${col('_supaglue_application_id')} = $1 AND ${col('_supaglue_provider_name')} = $2 AND ${col('_supaglue_customer_id')} = $3
          AND ${col('_supaglue_emitted_at')} < $4 AND ${col('_supaglue_is_deleted')} IS NOT TRUE
        LIMIT 1`,
      [target.applicationId, target.providerName, target.customerId, at],
    );
    return (rowCount ?? 0) > 0;
  } catch (err) {
    if (sqlCode(err) === PG_UNDEFINED_TABLE || sqlCode(err) === PG_INVALID_SCHEMA) return false;
    throw err;
  }
}

export function createPostgresWriter(input: PostgresDestinationConfigInput, opts: PostgresWriterOptions = {}): PostgresDestinationWriter {
  const config: PostgresDestinationConfig = postgresDestinationConfigSchema.parse(input);
  const log = opts.logger;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const ctx: ErrorContext = { host: config.host, port: config.port, user: config.user, database: config.database, connectTimeoutMs };
  const defaultSchema = config.schema;

  let ssl: Promise<SslOptions> | null = null;
  let pool: Promise<pg.Pool> | null = null;
  let closed = false;
  /** Tables known to exist with all columns (per schema.table.objectType). */
  const prepared = new Map<string, Promise<boolean>>();
  /**
   * Per run: whether its next batch tries the direct COPY. A run's first batch does; once a batch
   * needs the upsert (rows exist: a re-sync, an incremental, a replay), the run upserts until an
   * upserted batch turns out to have only added rows (a re-sync reaching records that are new).
   * Bounded: a forgotten run just tries direct once more.
   */
  const directRuns = new Map<string, boolean>();
  const rememberDirect = (runId: string, direct: boolean) => {
    directRuns.delete(runId);
    directRuns.set(runId, direct);
    if (directRuns.size > 1000) directRuns.delete(directRuns.keys().next().value!);
  };

  const sslOnce = () => {
    ssl ??= resolveSsl(config, connectTimeoutMs).catch((err) => {
      ssl = null; // not cached: the next call tries again
      throw err;
    });
    return ssl;
  };

  const getPool = (): Promise<pg.Pool> => {
    if (closed) return Promise.reject(new PostgresDestinationError('unknown', 'Postgres writer is closed'));
    pool ??= sslOnce().then(
      (tls) => {
        const p = new pg.Pool({ ...clientConfig(config, tls, connectTimeoutMs), max: opts.poolSize ?? 5, idleTimeoutMillis: 30_000 });
        // An idle client losing its connection must not crash the worker; the pool replaces it.
        p.on('error', (err) => log?.warn({ err: err.message, host: config.host }, 'postgres destination: idle connection error'));
        return p;
      },
      (err) => {
        pool = null;
        throw err;
      },
    );
    return pool;
  };

  const names = (target: WriteTarget) => ({ schema: schemaName(target, defaultSchema), table: tableName(target) });
  const describe = (target: WriteTarget) => {
    const { schema, table } = names(target);
    return `table ${qualified(schema, table)}`;
  };

  async function withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await (await getPool()).connect();
    } catch (err) {
      throw toPostgresError(err, what, ctx);
    }
    let broken: Error | undefined;
    try {
      return await fn(client);
    } catch (err) {
      if (!sqlCode(err)) broken = err as Error; // not a server error: the connection may be unusable
      throw toPostgresError(err, what, ctx);
    } finally {
      client.release(broken);
    }
  }

  async function inTransaction<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      const out = await fn();
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  const preparedKey = (target: WriteTarget) => {
    const { schema, table } = names(target);
    return JSON.stringify([schema, table, target.objectType === 'common']);
  };
  const forgetPrepared = (target: WriteTarget) => prepared.delete(preparedKey(target));

  /** Prepares the target once; resolves to whether its table has the key index (see prepareTable). */
  function ensurePrepared(target: WriteTarget): Promise<boolean> {
    const { schema, table } = names(target);
    const key = preparedKey(target);
    let p = prepared.get(key);
    if (!p) {
      p = withClient(`preparing ${describe(target)}`, (client) => prepareTable(client, schema, table, target));
      prepared.set(key, p);
      p.catch(() => prepared.delete(key));
    }
    return p;
  }

  return {
    storesRawJson: true,

    get closed() {
      return closed;
    },

    tableFor: names,

    prepare: async (target) => {
      await ensurePrepared(target);
    },

    async writeBatch(target, batch, options = {}) {
      const started = Date.now();
      const attempt = async () => {
        // Without the key index a direct COPY could not detect existing rows.
        const keyed = await ensurePrepared(target);
        const direct = keyed && (directRuns.get(batch.runId) ?? true);
        return withClient(`writing batch ${batch.seq} of run ${batch.runId} to ${describe(target)}`, (client) =>
          inTransaction(client, async () => {
            const s = await writeBatchInTransaction(client, target, batch, { defaultSchema, direct });
            if (options.afterWrite) await options.afterWrite(client);
            return s;
          }),
        );
      };
      let stats: BatchStats;
      try {
        stats = await attempt();
      } catch (err) {
        // The table (or a column) vanished since it was prepared: prepare again, once.
        const code = err instanceof PostgresDestinationError ? err.code : undefined;
        if (code !== PG_UNDEFINED_TABLE && code !== PG_INVALID_SCHEMA && code !== '42703') throw err;
        forgetPrepared(target);
        stats = await attempt();
      }
      // A batch that only added rows (the new tail of a re-synced object) lets the next one try direct again.
      if (stats.received) rememberDirect(batch.runId, stats.direct || stats.inserted === stats.received);
      log?.debug({ ...names(target), runId: batch.runId, seq: batch.seq, ...stats, ms: Date.now() - started }, 'postgres destination: batch written');
    },

    holdsRecordsBefore: (target, at) => withClient(`reading ${describe(target)}`, (client) => holdsRecordsBefore(client, target, at, defaultSchema)),

    async finishRun(target, run) {
      if (!run.success || run.strategy !== 'full') return;
      if (run.startedEmpty) {
        log?.info({ ...names(target), runId: run.runId }, 'postgres destination: no soft deletes, nothing older than the full run was there');
        return;
      }
      const deleted = await withClient(`soft-deleting in ${describe(target)}`, (client) => softDeleteUnseen(client, target, run, defaultSchema));
      log?.info({ ...names(target), runId: run.runId, deleted }, 'postgres destination: soft-deleted records not seen by the full run');
    },

    async test() {
      const schema = schemaName({}, defaultSchema);
      const probe = `${PROBE_PREFIX}${randomBytes(6).toString('hex')}`;
      const what = `probe table ${qualified(schema, probe)}`;
      let client: pg.Client | undefined;
      try {
        const tls = await sslOnce();
        client = new pg.Client(clientConfig(config, tls, connectTimeoutMs));
        client.on('error', () => undefined);
        await client.connect();
        await ensureSchema(client, schema);
        await client.query(`CREATE TABLE ${qualified(schema, probe)} (id text PRIMARY KEY, at timestamptz)`);
        await client.query(`DROP TABLE ${qualified(schema, probe)}`);
      } catch (err) {
        throw toPostgresError(err, what, ctx);
      } finally {
        await client?.end().catch(() => undefined);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      const p = pool;
      pool = null;
      prepared.clear();
      if (!p) return;
      // Waits for checked-out clients to be released: batches in flight finish.
      await p.then((x) => x.end()).catch(() => undefined);
    },
  };
}
