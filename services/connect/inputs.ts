/** What the connect services take: a magic link request. `id` in `.meta()` names the schema in the API reference. */
import { z } from 'zod';
import { noNulChars } from '../../lib/nul-chars';

export const createMagicLinkSchema = z
  .object({
    customer_id: z.string().min(1).max(255),
    provider_name: z.string().min(1).max(100).meta({ description: 'The name of one of your providers (a provider_name or, extension, a declarative connector).' }),
    return_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(4000)
      .meta({ description: 'URL to redirect to after the connection is authorized.' }),
    expiration_secs: z
      .number()
      .positive()
      .max(366 * 24 * 3600),
  })
  .superRefine(noNulChars)
  .meta({ id: 'create_magic_link' });

export type CreateMagicLinkInput = z.infer<typeof createMagicLinkSchema>;
