/** What the destination services take: create and update bodies, one variant per destination type. */
import { z } from 'zod';
import { noNulChars } from '../../lib/nul-chars';
import {
  apiConfigAtLeastSafe,
  apiConfigUnsafe,
  bigqueryConfigAtLeastSafe,
  bigqueryConfigUnsafe,
  postgresConfigAtLeastSafe,
  postgresConfigUnsafe,
  redshiftConfigAtLeastSafe,
  redshiftConfigUnsafe,
  s3ConfigAtLeastSafe,
  s3ConfigUnsafe,
  snowflakeConfigAtLeastSafe,
  snowflakeConfigUnsafe,
} from './configs';

const name = z.string().min(1).max(255);
const version = z.number().int().min(1).meta({ description: 'The version this update is based on; a stale version is refused with 409.' });
const httpApi = { description: 'Extension: HTTP API destination.', 'x-extension': true };

/** Variants in the order postgres, supaglue, bigquery, snowflake, redshift, s3, api (api/ titles them so). */
export const createDestinationSchema = z
  .discriminatedUnion('type', [
    z.object({ name, type: z.literal('postgres'), config: postgresConfigUnsafe }),
    z.object({ type: z.literal('supaglue'), name: name.optional() }).meta({ description: 'A Supaglue-hosted Postgres database destination: not supported (422).' }),
    z.object({ name, type: z.literal('bigquery'), config: bigqueryConfigUnsafe }),
    z.object({ name, type: z.literal('snowflake'), config: snowflakeConfigUnsafe }),
    z.object({ name, type: z.literal('redshift'), config: redshiftConfigUnsafe }),
    z.object({ name, type: z.literal('s3'), config: s3ConfigUnsafe }),
    z.object({ name, type: z.literal('api'), config: apiConfigUnsafe }).meta(httpApi),
  ])
  .superRefine(noNulChars);

/** Variants in the order postgres, bigquery, snowflake, redshift, s3, api (api/ titles them so). */
export const updateDestinationSchema = z
  .discriminatedUnion('type', [
    z.object({ name, type: z.literal('postgres'), config: postgresConfigAtLeastSafe, version }),
    z.object({ name, type: z.literal('bigquery'), config: bigqueryConfigAtLeastSafe, version }),
    z.object({ name, type: z.literal('snowflake'), config: snowflakeConfigAtLeastSafe, version }),
    z.object({ name, type: z.literal('redshift'), config: redshiftConfigAtLeastSafe, version }),
    z.object({ name, type: z.literal('s3'), config: s3ConfigAtLeastSafe, version }),
    z.object({ name, type: z.literal('api'), config: apiConfigAtLeastSafe, version }).meta(httpApi),
  ])
  .superRefine(noNulChars)
  .meta({ description: 'Secrets may be omitted to keep the stored ones (same type only).' });

export type CreateDestinationInput = z.infer<typeof createDestinationSchema>;
export type UpdateDestinationInput = z.infer<typeof updateDestinationSchema>;
