export { bigqueryDestinationConfigSchema, type BigQueryDestinationConfig, type BigQueryDestinationConfigInput } from './config';
export { BigQueryDestinationError, toBigQueryError, type BigQueryErrorKind } from './errors';
export { createBigQueryClient, createBigQueryWriter } from './writer';
export { tableName, stagingTableName } from './naming';
