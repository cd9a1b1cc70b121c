/**
 * A linked connector's `schedule` over its syncs: `state` pauses or resumes every sync of the
 * connection; `schedule_expression` must name the period its flow already gives those syncs,
 * because a period is set per flow (sync config), not per connection.
 */
import { pauseSync, resumeSync } from '../../services/syncs/commands';
import { listSyncs } from '../../services/syncs/queries';
import type { AppDeps } from '../deps';
import type { HotglueVariables } from './auth';
import { badField } from './errors';
import { parseScheduleExpression, rateExpression } from './schedule';

type Flow = HotglueVariables['flow'];
type Schedule = { schedule_expression?: string; state?: 'ENABLED' | 'DISABLED' };
type StrategyEntry = { sync_strategy_override?: { period_ms?: number } };

/** The periods the flow gives its objects: its default, and each object's own override. */
export function flowPeriods(flow: Flow): number[] {
  const config = flow.config as { default_config?: { period_ms?: number } } & Record<string, unknown>;
  const periods = new Set<number>();
  if (config.default_config?.period_ms) periods.add(config.default_config.period_ms);
  for (const key of ['common_objects', 'standard_objects', 'custom_objects']) {
    for (const o of (config[key] as StrategyEntry[] | undefined) ?? []) if (o.sync_strategy_override?.period_ms) periods.add(o.sync_strategy_override.period_ms);
  }
  return [...periods];
}

/** Refuses, before anything changes, a schedule_expression the flow's syncs cannot follow. */
export function checkScheduleExpression(flow: Flow, schedule: Schedule | undefined, prefix = 'schedule'): void {
  if (schedule?.schedule_expression === undefined) return;
  const field = `${prefix}.schedule_expression`;
  const parsed = parseScheduleExpression(schedule.schedule_expression);
  if (!parsed.ok) throw badField(field, parsed.message, 'invalid_schedule_expression');
  const periods = flowPeriods(flow);
  if (periods.length !== 1 || periods[0] !== parsed.periodMs) {
    throw badField(
      field,
      `a linked connector's syncs run at the period of its flow (${periods.map(rateExpression).join(', ')}); a period of its own is not supported: change the flow's sync config`,
      'unsupported_schedule',
    );
  }
}

async function connectionSyncs(deps: AppDeps, applicationId: string, tenant: string, providerName: string) {
  const page = await listSyncs(deps, applicationId, { customer_id: tenant, provider_name: providerName, page_size: '1000' });
  return page.results as Array<{ type: string; object_type?: 'common' | 'standard' | 'custom'; object?: string; entity_id?: string; paused: boolean }>;
}

export async function applyScheduleState(deps: AppDeps, applicationId: string, tenant: string, providerName: string, schedule: Schedule | undefined): Promise<void> {
  if (!schedule?.state) return;
  const command = schedule.state === 'DISABLED' ? pauseSync : resumeSync;
  for (const s of await connectionSyncs(deps, applicationId, tenant, providerName)) {
    const ref = s.type === 'entity' ? { entity_id: s.entity_id } : { object_type: s.object_type, object: s.object };
    await command(deps, applicationId, tenant, providerName, ref);
  }
}

/** What GET shows: the flow's period, and DISABLED when every sync of the connection is paused. */
export async function readSchedule(deps: AppDeps, applicationId: string, tenant: string, flow: Flow): Promise<{ schedule_expression?: string; state: 'ENABLED' | 'DISABLED' }> {
  const syncs = await connectionSyncs(deps, applicationId, tenant, flow.provider_name);
  const periods = flowPeriods(flow);
  return {
    ...(periods.length === 1 ? { schedule_expression: rateExpression(periods[0]!) } : {}),
    state: syncs.length > 0 && syncs.every((s) => s.paused) ? 'DISABLED' : 'ENABLED',
  };
}
