/**
 * Date windows of a connector definition: the `step` of its windows (../partitioned/windows.ts
 * cuts the range) and the upper bound a window sends, in the stream's cursor format.
 */

// Only units of a fixed length: a month or a year would make windows of the same step differ.
// Node has no ISO 8601 duration parser yet (Temporal.Duration); this subset is one expression.
const STEP = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000];

/** The step's length in milliseconds, or null when it is not a duration of weeks, days, hours, minutes or seconds. */
export function stepMs(step: string): number | null {
  const m = STEP.exec(step);
  if (!m || step.endsWith('T')) return null;
  const ms = UNIT_MS.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
  return ms > 0 ? ms : null;
}

export function stepProblem(step: string): string | null {
  return stepMs(step) === null ? `step "${step}" is not an ISO 8601 duration of weeks, days, hours, minutes or seconds, such as P1D, PT6H or P1DT12H` : null;
}

/**
 * The smallest instant at or after `at` that the format writes exactly: formatCursor floors, which
 * for an upper bound would cut off the window's last fraction of a second (or day).
 */
export function ceilToFormat(at: Date, format: string): Date {
  const unit = formatUnitMs(format);
  const t = at.getTime();
  if (unit !== null) return new Date(Math.ceil(t / unit) * unit);
  const d = new Date(t);
  const yearOnly = !format.includes('%m');
  const floor = yearOnly ? Date.UTC(d.getUTCFullYear(), 0, 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (floor === t) return d;
  return new Date(yearOnly ? Date.UTC(d.getUTCFullYear() + 1, 0, 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

/** The precision of a format in milliseconds; null for a calendar month or year. */
function formatUnitMs(format: string): number | null {
  if (format === 'timestamp') return 1_000;
  if (format === 'timestamp_ms' || format === 'iso8601') return 1;
  for (const [directive, ms] of [
    ['%S', 1_000],
    ['%M', 60_000],
    ['%H', 3_600_000],
    ['%d', 86_400_000],
  ] as const) {
    if (format.includes(directive)) return ms;
  }
  return null;
}
