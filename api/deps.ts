import type { Connection } from '@temporalio/client';
import type { ServiceDeps } from '../services/deps';
import type { Metrics } from '../services/metrics/metrics';

/** What the HTTP layer is given by the composition root; routes reach everything else through services. */
export interface AppDeps extends ServiceDeps {
  temporal: ServiceDeps['temporal'] & { connection: Connection };
  /** Served at GET /metrics. */
  metrics: Metrics;
}

export interface AuthedVariables {
  applicationId: string;
}

export type AuthedEnv = { Variables: AuthedVariables };
