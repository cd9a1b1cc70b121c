export {
  postgresDestinationConfigSchema,
  type PostgresDestinationConfigInput,
} from './config';
export { PostgresDestinationError } from './errors';
export { sanitizeIdentifier, quoteIdent, tableName } from './naming';
export { sslOptions } from './connection';
export {
  createPostgresWriter,
  writeBatchInTransaction,
  type PostgresDestinationWriter,
} from './writer';
