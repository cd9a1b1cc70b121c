import { z } from 'zod';

/** BigQuery dataset ids: letters, digits and underscores, at most 1024 characters. */
export const DATASET_ID_RE = /^[A-Za-z0-9_]{1,1024}$/;

/**
 * The service-account key. The management API documents `client_email` + `private_key`; a full
 * key file (type, project_id, token_uri, ...) is accepted too, as an object or as its JSON text.
 * Secret: never log it.
 */
const credentialsSchema = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z.looseObject({
    client_email: z.string().trim().min(1),
    private_key: z.string().min(1),
  }),
);

export const bigqueryDestinationConfigSchema = z.object({
  project_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,127}$/, 'project_id must be a GCP project id'),
  dataset: z.string().trim().regex(DATASET_ID_RE, 'dataset must contain only letters, digits and underscores'),
  credentials: credentialsSchema,
  /** Dataset location (e.g. `US`, `EU`) used when the dataset has to be created. */
  location: z.string().trim().min(1).optional(),
  /**
   * Emulator / stand-in endpoint (e.g. `http://127.0.0.1:9050`). Requests to it are sent
   * without Google authentication, as with the other Google Cloud emulators.
   */
  api_endpoint: z.url({ protocol: /^https?$/ }).optional(),
});

export type BigQueryDestinationConfigInput = z.input<typeof bigqueryDestinationConfigSchema>;
export type BigQueryDestinationConfig = z.output<typeof bigqueryDestinationConfigSchema>;
