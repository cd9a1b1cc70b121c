import type { HotglueVariables } from './auth';
import { badField } from './errors';

/** A flow is one sync config, so it has one connector: its provider. Anything else named is a 400 on that field. */
export function connectorOfFlow(flow: HotglueVariables['flow'], connectorId: string, field: string): string {
  if (connectorId !== flow.provider_name) {
    throw badField(field, `flow ${flow.id} syncs connector ${flow.provider_name}, not ${connectorId}`, 'unknown_connector');
  }
  return connectorId;
}
