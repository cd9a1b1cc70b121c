export { apiDestinationConfigSchema, type ApiAuth, type ApiDestinationConfig, type ApiDestinationConfigInput } from './config';
export { ApiDestinationError } from './http';
export { DEFAULT_RETRY_POLICY, parseRetryAfter, type RetryPolicy } from './retry';
export { createApiWriter, toApiRecord, type ApiPayload, type ApiRecord, type ApiWriterOptions } from './writer';
