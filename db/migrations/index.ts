/**
 * Every migration, imported statically so migrating works the same under tsx,
 * vitest and a bundle. Names are timestamp-prefixed and run in order.
 */
import type { Migration } from 'kysely';
import * as m20261122000000 from './20261122000000_applications';
import * as m20261122000100 from './20261122000100_management';
import * as m20261122000200 from './20261122000200_webhook_events';
import * as m20261122000300 from './20261122000300_connectors';
import * as m20261122002000 from './20261122002000_webhooks';
import * as m20261122003000 from './20261122003000_jobs';
import * as m20261122004000 from './20261122004000_connection_provider_info';
import * as m20261201000000 from './20261201000000_sync_run_workflow';
import * as m20261201001000 from './20261201001000_magic_link_attempts';
import * as m20261201002000 from './20261201002000_oauth_states';
import * as m20261201003000 from './20261201003000_writes';
import * as m20261201004000 from './20261201004000_connection_catalogs';
import * as m20261201005000 from './20261201005000_sync_jobs';
import * as m20261201006000 from './20261201006000_tenant_token_key';
import * as m20261201007000 from './20261201007000_integration_state';
import * as m20261201008000 from './20261201008000_connection_rate_limits';
import * as m20261201009000 from './20261201009000_tenant_chunk_slots';
import * as m20261201011000 from './20261201011000_list_pages';
import * as m20261201012000 from './20261201012000_sync_run_counts_per_sync';

export const migrations: Record<string, Migration> = {
  '20261122000000_applications': m20261122000000,
  '20261122000100_management': m20261122000100,
  '20261122000200_webhook_events': m20261122000200,
  '20261122000300_connectors': m20261122000300,
  '20261122002000_webhooks': m20261122002000,
  '20261122003000_jobs': m20261122003000,
  '20261122004000_connection_provider_info': m20261122004000,
  '20261201000000_sync_run_workflow': m20261201000000,
  '20261201001000_magic_link_attempts': m20261201001000,
  '20261201002000_oauth_states': m20261201002000,
  '20261201003000_writes': m20261201003000,
  '20261201004000_connection_catalogs': m20261201004000,
  '20261201005000_sync_jobs': m20261201005000,
  '20261201006000_tenant_token_key': m20261201006000,
  '20261201007000_integration_state': m20261201007000,
  '20261201008000_connection_rate_limits': m20261201008000,
  '20261201009000_tenant_chunk_slots': m20261201009000,
  '20261201011000_list_pages': m20261201011000,
  '20261201012000_sync_run_counts_per_sync': m20261201012000,
};
