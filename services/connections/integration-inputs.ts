/** What the integrations API (/v1, Cycle-style) takes: plain zod, reused by its routes. */
import { z } from 'zod';

const INTEGRATION_STATES = ['new', 'verifying', 'live', 'failed', 'deleting'] as const;

const identifier = z.string().min(1).max(255).meta({
  description: 'A human-readable identifier; tokenized from the name (or the vendor) when absent: "My CRM" → `my-crm`. Need not be unique.',
});
const values = z.record(z.string(), z.unknown());

export const createIntegrationSchema = z
  .object({
    name: z.string().max(255).nullable().optional().meta({ description: 'A name for the Integration.' }),
    vendor: z.string().min(1).meta({ description: 'The provider name (a built-in or a published connector with a provider of your application).', example: 'acme-crm' }),
    identifier: identifier.optional(),
    auth: values.optional().meta({ description: 'Credentials (the secret parameters: api_key, access_token, ...). Write-only: never returned.' }),
    extra: values.optional().meta({ description: 'The other connector parameters (base_url, ...).' }),
  })
  .strict();

export const updateIntegrationSchema = z
  .object({
    name: z.string().max(255).nullable().optional(),
    identifier: identifier.optional(),
    auth: values.nullable().optional().meta({ description: 'Replaces the credentials; sends the integration back to `new` when its definition requires verification.' }),
    extra: values.nullable().optional().meta({ description: 'Replaces the non-secret parameters.' }),
  })
  .strict();

export const integrationStateFilter = z.enum(INTEGRATION_STATES);

export type CreateIntegrationInput = z.infer<typeof createIntegrationSchema>;
export type UpdateIntegrationInput = z.infer<typeof updateIntegrationSchema>;
