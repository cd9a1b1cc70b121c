/**
 * A backfill run reads one window of last-modified times, split into sub-windows that it commits
 * one after another, so a crash resumes at the sub-window it was in. Pure, unit-tested directly.
 */

/** A backfill run's place: sub-window `index` is [bounds[index], bounds[index + 1]), the last one closed at the window's end. */
export interface BackfillProgress {
  bounds: string[];
  index: number;
}

/** Sub-windows of a day; a window longer than MAX_SUB_WINDOWS days gets wider ones. */
export const SUB_WINDOW_MS = 86_400_000;
/**
 * A provider that ignores ReadPageRequest.modifiedBefore reads each sub-window from its start to
 * now (the engine drops what lies after its end): the reads of a window then cost up to this many
 * times those of one pass. The cap keeps that bounded.
 */
export const MAX_SUB_WINDOWS = 30;

export function splitWindow(start: Date, end: Date, stepMs = SUB_WINDOW_MS, max = MAX_SUB_WINDOWS): string[] {
  const [from, to] = [start.getTime(), end.getTime()];
  if (!(to > from)) throw new Error(`a backfill window must end after it starts (${start.toISOString()} .. ${end.toISOString()})`);
  const count = Math.min(max, Math.max(1, Math.ceil((to - from) / stepMs)));
  const step = Math.ceil((to - from) / count);
  const bounds: string[] = [];
  for (let at = from; at < to; at += step) bounds.push(new Date(at).toISOString());
  bounds.push(end.toISOString());
  return bounds;
}

export const hasNextSubWindow = (p: BackfillProgress) => p.index + 2 < p.bounds.length;

export const subWindowStart = (p: BackfillProgress) => new Date(p.bounds[p.index]!);

/** The sub-window's exclusive upper bound for the provider: the last sub-window is closed at its end, so 1 ms past it. */
export const subWindowEnd = (p: BackfillProgress) => new Date(Date.parse(p.bounds[p.index + 1]!) + (hasNextSubWindow(p) ? 0 : 1));

/** Whether a last-modified time is in the run's current sub-window: each time of the window falls in exactly one. */
export function inSubWindow(p: BackfillProgress, at: Date | null | undefined): boolean {
  const t = at?.getTime();
  if (t === undefined || Number.isNaN(t)) return false;
  const lo = Date.parse(p.bounds[p.index]!);
  const hi = Date.parse(p.bounds[p.index + 1]!);
  return t >= lo && (hasNextSubWindow(p) ? t < hi : t <= hi);
}
