/**
 * A linked connector's `schedule_expression` as a sync period. Syncs here run on fixed intervals
 * (Temporal schedule intervals), so what is accepted is what names one: `rate(N minutes|hours|days)`,
 * and the cron expressions that mean "every N minutes / hours" or "daily at midnight". Anything else
 * (a weekday, a time of day other than midnight, a list) has no interval and is refused.
 */

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MIN_PERIOD_MS = 60_000;

export type ParsedSchedule = { ok: true; periodMs: number } | { ok: false; message: string };

function parseRate(inner: string): ParsedSchedule {
  const m = /^(\d+)\s+(minute|hour|day)s?$/.exec(inner.trim());
  if (!m) return { ok: false, message: 'rate(...) takes a count and a unit: rate(30 minutes), rate(1 hour), rate(2 days)' };
  const periodMs = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (periodMs < MIN_PERIOD_MS) return { ok: false, message: 'the shortest period is 1 minute' };
  return { ok: true, periodMs };
}

/** `*\/N`, `0/N` (AWS) or `*` (N = 1) of a field, or undefined when the field is anything else. */
function stepOf(field: string): number | undefined {
  if (field === '*') return 1;
  const m = /^(?:\*|0)\/(\d+)$/.exec(field);
  return m ? Number(m[1]) : undefined;
}

const anyDay = (fields: string[]) => fields.every((f) => f === '*' || f === '?');

function parseCron(expr: string): ParsedSchedule {
  const fields = expr.trim().split(/\s+/);
  // 5 fields (minute hour day month weekday), or AWS's 6 (… year).
  if (fields.length !== 5 && fields.length !== 6) return { ok: false, message: 'a cron expression has 5 fields (or 6, with the year)' };
  const [minute, hour, ...days] = fields as [string, string, ...string[]];
  const noInterval: ParsedSchedule = {
    ok: false,
    message: `cron ${expr.trim()} does not run at a fixed interval; syncs here run every N minutes, hours or days: use rate(...) or */N minutes, 0 */N hours, 0 0 daily`,
  };
  if (!anyDay(days)) return noInterval;
  const minuteStep = stepOf(minute);
  if (minuteStep !== undefined && hour === '*' && 60 % minuteStep === 0) return { ok: true, periodMs: minuteStep * UNIT_MS.minute! };
  const hourStep = stepOf(hour);
  if (minute === '0' && hourStep !== undefined && 24 % hourStep === 0) return { ok: true, periodMs: hourStep * UNIT_MS.hour! };
  if (minute === '0' && hour === '0') return { ok: true, periodMs: UNIT_MS.day! };
  return noInterval;
}

export function parseScheduleExpression(expression: string): ParsedSchedule {
  const e = expression.trim();
  const wrapped = /^(rate|cron)\((.*)\)$/.exec(e);
  if (wrapped?.[1] === 'rate') return parseRate(wrapped[2]!);
  if (wrapped?.[1] === 'cron') return parseCron(wrapped[2]!);
  return parseCron(e);
}

/** `rate(30 minutes)` for a period, the form GET answers with. */
export function rateExpression(periodMs: number): string {
  for (const unit of ['day', 'hour', 'minute'] as const) {
    const n = periodMs / UNIT_MS[unit]!;
    if (Number.isInteger(n)) return `rate(${n} ${unit}${n === 1 ? '' : 's'})`;
  }
  return `rate(${Math.round(periodMs / UNIT_MS.minute!)} minutes)`;
}
