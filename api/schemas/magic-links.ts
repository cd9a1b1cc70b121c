import { z } from '@hono/zod-openapi';

export const magicLinkSchema = z
  .object({
    id: z.string(),
    status: z.enum(['new', 'consumed', 'expired']).openapi({ description: '`new` or `consumed`; `expired` once past `expires_at` unconsumed.' }),
    application_id: z.string(),
    customer_id: z.string(),
    provider_id: z.string(),
    provider_name: z.string(),
    url: z.string().openapi({ description: 'The magic link URL.' }),
    return_url: z.string().openapi({ description: 'URL to redirect to after the connection is authorized.' }),
    expires_at: z.string().openapi({ format: 'date-time', description: 'When the magic link expires.' }),
  })
  .openapi('magic_link');

export const magicLinkIdParam = z.object({
  magic_link_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'magic_link_id', in: 'path' } }),
});
