import { z } from '@hono/zod-openapi';
import { noNulChars } from '../../lib/nul-chars';

export const createMagicLinkSchema = z
  .object({
    customer_id: z.string().min(1).max(255),
    provider_name: z.string().min(1).max(100).openapi({ description: 'The name of one of your providers (a provider_name or, extension, a declarative connector).' }),
    return_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(4000).openapi({ description: 'URL to redirect to after the connection is authorized.' }),
    expiration_secs: z.number().positive().max(366 * 24 * 3600),
  })
  .superRefine(noNulChars)
  .openapi('create_magic_link');

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
  magic_link_id: z.string().min(1).openapi({ param: { name: 'magic_link_id', in: 'path' } }),
});

export type CreateMagicLinkInput = z.infer<typeof createMagicLinkSchema>;
export type MagicLinkResponse = z.infer<typeof magicLinkSchema>;
