/**
 * BigQuery destination: per batch, a load job (NDJSON, WRITE_TRUNCATE) into a staging table named
 * from (runId, seq), one MERGE into the target on (application, provider, customer, id), then the
 * staging table is dropped. A retried batch reloads the same staging table, so it never duplicates.
 *
 * Tables: `crm_<object>s` for common objects, `<provider>_<object>` otherwise (`target.table`
 * overrides); `target.schema`, when set, overrides the configured dataset.
 */
import { randomUUID } from 'node:crypto';
import { BigQuery, type Dataset, type Table } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import type { DestinationRecord, DestinationWriter, FinishRun, WriteBatch, WriteTarget } from '../types';
import { bigqueryDestinationConfigSchema, type BigQueryDestinationConfig, type BigQueryDestinationConfigInput } from './config';
import { toBigQueryError } from './errors';
import { PROBE_PREFIX, assertDatasetId, qualified, stagingColumns, stagingRunPrefix, stagingTableName, tableName, targetColumns, type Column } from './naming';
import { mergeStatement, softDeleteStatement } from './sql';

export function createBigQueryClient(config: BigQueryDestinationConfig): BigQuery {
  const { client_email, private_key } = config.credentials;
  return new BigQuery({
    projectId: config.project_id,
    location: config.location,
    ...(config.api_endpoint ? { apiEndpoint: config.api_endpoint.replace(/\/+$/, ''), authClient: new PassThroughClient() } : { credentials: { client_email, private_key } }),
  });
}

const schemaOf = (columns: Column[]) => ({ fields: columns.map((c) => ({ name: c.name, type: c.type, mode: 'NULLABLE' })) });

/** Last occurrence of an id wins: MERGE rejects two source rows for one target row. */
function dedupe(records: DestinationRecord[]): DestinationRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

function stagingRow(r: DestinationRecord, common: boolean): Record<string, unknown> {
  return {
    _supaglue_id: r.id,
    _supaglue_emitted_at: r.emittedAt.toISOString(),
    _supaglue_last_modified_at: r.lastModifiedAt ? r.lastModifiedAt.toISOString() : null,
    _supaglue_is_deleted: r.isDeleted,
    _supaglue_raw_data: JSON.stringify(r.raw),
    _supaglue_mapped_data: JSON.stringify(r.mapped ?? {}),
    ...(common ? { _supaglue_unified_data: r.unified === undefined ? null : JSON.stringify(r.unified) } : {}),
  };
}

function load(table: Table, columns: Column[], rows: Record<string, unknown>[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = table.createWriteStream({
      sourceFormat: 'NEWLINE_DELIMITED_JSON',
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_IF_NEEDED',
      schema: schemaOf(columns),
    });
    stream.on('error', reject);
    stream.on('complete', () => resolve());
    stream.end(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });
}

const isNotFound = (err: unknown) => (err as { code?: unknown })?.code === 404;
const isConflict = (err: unknown) => (err as { code?: unknown })?.code === 409;

export function createBigQueryWriter(input: BigQueryDestinationConfigInput): DestinationWriter {
  const config = bigqueryDestinationConfigSchema.parse(input);
  const bq = createBigQueryClient(config);
  const project = config.project_id;

  const datasetId = (t: WriteTarget) => assertDatasetId(t.schema ?? config.dataset);
  const where = (t: WriteTarget) => `table \`${project}.${datasetId(t)}.${tableName(t)}\``;
  const keyParams = (t: WriteTarget) => ({ application_id: t.applicationId, provider_name: t.providerName, customer_id: t.customerId });

  async function run(query: string, params: Record<string, unknown>): Promise<void> {
    const [job] = await bq.createQueryJob({ query, params, location: config.location });
    await job.getQueryResults({ maxResults: 0 });
  }

  async function ensureDataset(id: string): Promise<Dataset> {
    const ds = bq.dataset(id, { location: config.location });
    const [exists] = await ds.exists();
    if (!exists) {
      try {
        await ds.create({ location: config.location });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    return ds;
  }

  async function dropIfExists(table: Table): Promise<void> {
    try {
      await table.delete();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  return {
    async prepare(target) {
      try {
        const ds = await ensureDataset(datasetId(target));
        const table = ds.table(tableName(target));
        const [exists] = await table.exists();
        if (exists) return;
        await ds.createTable(tableName(target), { schema: schemaOf(targetColumns(target)) }).catch((err: unknown) => {
          if (!isConflict(err)) throw err;
        });
      } catch (err) {
        throw toBigQueryError(err, where(target));
      }
    },

    async writeBatch(target, batch: WriteBatch) {
      if (batch.records.length === 0) return;
      const ds = bq.dataset(datasetId(target), { location: config.location });
      const name = tableName(target);
      const staging = ds.table(stagingTableName(name, batch.runId, batch.seq));
      const common = target.objectType === 'common';
      try {
        await load(
          staging,
          stagingColumns(target),
          dedupe(batch.records).map((r) => stagingRow(r, common)),
        );
        const sql = mergeStatement(qualified(project, ds.id!, name), qualified(project, ds.id!, staging.id!), targetColumns(target));
        await run(sql, keyParams(target));
      } catch (err) {
        throw toBigQueryError(err, where(target));
      } finally {
        await dropIfExists(staging).catch(() => undefined);
      }
    },

    async finishRun(target, result: FinishRun) {
      const ds = bq.dataset(datasetId(target), { location: config.location });
      const name = tableName(target);
      try {
        // Leftovers of batches whose process died between load and drop.
        const prefix = stagingRunPrefix(name, result.runId);
        const [tables] = await ds.getTables({ autoPaginate: true });
        await Promise.all(tables.filter((t) => t.id?.startsWith(prefix)).map(dropIfExists));
        if (!result.success || result.strategy !== 'full') return;
        await run(softDeleteStatement(qualified(project, ds.id!, name)), {
          ...keyParams(target),
          run_started_at: bq.timestamp(result.runStartedAt),
        });
      } catch (err) {
        throw toBigQueryError(err, where(target));
      }
    },

    async test() {
      const what = `dataset \`${project}.${config.dataset}\``;
      try {
        const ds = bq.dataset(config.dataset, { location: config.location });
        await ds.get();
        const probe = `${PROBE_PREFIX}${randomUUID().replaceAll('-', '')}`;
        const [table] = await ds.createTable(probe, { schema: { fields: [{ name: 'probe', type: 'STRING' }] } });
        await table.delete();
      } catch (err) {
        throw toBigQueryError(err, what);
      }
    },

    async close() {},
  };
}
