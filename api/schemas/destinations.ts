import { z } from '@hono/zod-openapi';
import { apiConfigSafe, bigqueryConfigSafe, postgresConfigSafe, redshiftConfigSafe, s3ConfigSafe, snowflakeConfigSafe } from '../../services/destinations/configs';
import { createDestinationSchema as createDestinationInput, updateDestinationSchema as updateDestinationInput } from '../../services/destinations/inputs';
import { titledUnion } from './common';

const ext = (description: string) => ({ description: `Extension: ${description}`, 'x-extension': true }) as object;

export const createDestinationSchema = titledUnion(createDestinationInput, ['postgres', 'supaglue', 'bigquery', 'snowflake', 'redshift', 's3', 'api']).openapi(
  'create_destination',
);

export const updateDestinationSchema = titledUnion(updateDestinationInput, ['postgres', 'bigquery', 'snowflake', 'redshift', 's3', 'api']).openapi('update_destination');

const common = {
  id: z.string(),
  application_id: z.string(),
  name: z.string(),
  version: z.number().openapi({ description: 'A monotonically increasing version number of the destination configuration' }),
};
export const destinationSchema = z
  .discriminatedUnion('type', [
    z.object({ ...common, type: z.literal('postgres'), config: postgresConfigSafe }).openapi({ title: 'postgres' }),
    z.object({ ...common, type: z.literal('bigquery'), config: bigqueryConfigSafe }).openapi({ title: 'bigquery' }),
    z.object({ ...common, type: z.literal('snowflake'), config: snowflakeConfigSafe }).openapi({ title: 'snowflake' }),
    z.object({ ...common, type: z.literal('redshift'), config: redshiftConfigSafe }).openapi({ title: 'redshift' }),
    z.object({ ...common, type: z.literal('s3'), config: s3ConfigSafe }).openapi({ title: 's3' }),
    z.object({ ...common, type: z.literal('api'), config: apiConfigSafe }).openapi({ title: 'api', ...ext('HTTP API destination.') }),
  ])
  .openapi('destination', { description: 'Secrets (passwords, secret keys, private keys, tokens) are never returned.' });

export const destinationIdParam = z.object({
  destination_id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'destination_id', in: 'path' } }),
});
