export { HttpRuntime, HttpClient, createHttpRuntime, getDefaultHttpRuntime } from './http-runtime';
export type { HttpObserver, HttpResponse, HttpRuntimeOptions } from './http-runtime';
export type { ConnectionLimits } from './limiter';
export type { RateLimitDecision, RateLimitStore } from './rate-limit-store';
