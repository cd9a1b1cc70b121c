export { HttpRuntime, HttpClient, createHttpRuntime, getDefaultHttpRuntime } from './http-runtime';
export type { HttpMethod, HttpRequest, HttpResponse, HttpClientOptions, HttpRuntimeOptions, Sleep } from './http-runtime';
export { DEFAULT_LIMITS, type ConnectionLimits } from './limiter';
export { parseRetryAfter, backoffDelay, classifyStatus } from './retry-policy';
export { redactSecrets, describeUrl, bodyExcerpt } from './redact';
