import { z } from 'zod';

/** RFC 7230 token: what a header name may contain. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name');
const headerValue = z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks');

export const apiAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: headerValue.min(1) }),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.object({ type: z.literal('api_key'), header: headerName, value: headerValue.min(1) }),
]);

export const apiDestinationConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(headerName, headerValue).optional(),
  auth: apiAuthSchema.optional(),
  batch_size: z.number().int().min(1).max(10_000).default(100),
});

export type ApiAuth = z.infer<typeof apiAuthSchema>;
export type ApiDestinationConfigInput = z.input<typeof apiDestinationConfigSchema>;
export type ApiDestinationConfig = z.output<typeof apiDestinationConfigSchema>;

/** Values that must never appear in an error message or log line. */
export function secretValues(config: ApiDestinationConfig): string[] {
  const out: string[] = [];
  const auth = config.auth;
  if (auth?.type === 'bearer') out.push(auth.token);
  if (auth?.type === 'basic') out.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
  if (auth?.type === 'api_key') out.push(auth.value);
  // Custom headers often carry keys too.
  for (const v of Object.values(config.headers ?? {})) out.push(v);
  return out.filter((s) => s.length >= 4);
}

export function authHeaders(auth: ApiAuth | undefined): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    case 'api_key':
      return { [auth.header.toLowerCase()]: auth.value };
  }
}
