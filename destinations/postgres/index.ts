export {
  postgresDestinationConfigSchema,
  SSL_MODES,
  type PostgresDestinationConfig,
  type PostgresDestinationConfigInput,
  type SslMode,
} from './config';
export { PostgresDestinationError, toPostgresError, type PostgresErrorKind } from './errors';
export { sanitizeIdentifier, quoteIdent, tableName, schemaName, targetColumns } from './naming';
export { copyField, copyRow, copyRows, jsonText } from './copy';
export { sslOptions, resolveSsl, clientConfig } from './connection';
export {
  createPostgresWriter,
  writeBatchInTransaction,
  prepareTable,
  softDeleteUnseen,
  type BatchStats,
  type PostgresDestinationWriter,
  type PostgresWriterOptions,
  type WriteBatchOptions,
} from './writer';
