export { bigqueryDestinationConfigSchema } from './config';
export { toBigQueryError } from './errors';
export { createBigQueryWriter } from './writer';
export { tableName, stagingTableName } from './naming';
