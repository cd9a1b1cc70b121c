export { apiDestinationConfigSchema } from './config';
export { parseRetryAfter } from './retry';
export { createApiWriter } from './writer';
