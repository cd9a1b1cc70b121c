/**
 * Date windows: a run's range of last-modified times cut into `stepMs`-long windows that are read
 * concurrently, each bounded below (inclusive) and above (exclusive; the last one inclusive
 * unless the plan's end is exclusive) so every instant of the range falls in exactly one window.
 * A window too big for the API's query is split into pieces appended to the plan.
 */

/** A run's windows: [start + i·step, start + (i+1)·step), the last one closed at `end`, then the pieces split off. */
export interface WindowPlan {
  start: string;
  end: string;
  stepMs: number;
  /** The last window is open at `end` too (a caller's exclusive upper bound). Absent in states from before it. */
  endOpen?: true;
  /** Pieces of windows that were split, numbered after the planned windows in the order they were split. */
  split?: PlannedWindow[];
}

/** A window as the plan keeps it; `last`: closed at `to`. */
export interface PlannedWindow {
  from: string;
  to: string;
  last?: true;
}

/** How many windows the plan's range was cut into, before any split. */
function plannedCount(plan: WindowPlan): number {
  const span = Date.parse(plan.end) - Date.parse(plan.start);
  return Math.max(1, Math.ceil(span / plan.stepMs));
}

export function windowCount(plan: WindowPlan): number {
  return plannedCount(plan) + (plan.split?.length ?? 0);
}

export interface Window {
  from: Date;
  to: Date;
  /** Closed at `to`: the last window of a range whose end is inclusive. */
  last: boolean;
}

export function windowAt(plan: WindowPlan, i: number): Window {
  const planned = plannedCount(plan);
  if (i >= planned) {
    const piece = plan.split![i - planned]!;
    return { from: new Date(piece.from), to: new Date(piece.to), last: piece.last === true };
  }
  const start = Date.parse(plan.start);
  const end = Math.max(start, Date.parse(plan.end));
  const last = i === planned - 1;
  return { from: new Date(start + i * plan.stepMs), to: new Date(last ? end : start + (i + 1) * plan.stepMs), last: last && !plan.endOpen };
}

/** Whether a last-modified time belongs to the window; records without one are the API's to place. */
export function inWindow(w: Window, at: Date | null): boolean {
  if (at === null) return true;
  const t = at.getTime();
  return t >= w.from.getTime() && (w.last ? t <= w.to.getTime() : t < w.to.getTime());
}

/** Whether the window holds more than one millisecond, so splitting it narrows the query. */
export function splittable(w: Window): boolean {
  return w.to.getTime() - w.from.getTime() >= (w.last ? 1 : 2);
}

/** The window cut into at most `n` pieces of whole milliseconds that cover exactly its instants. */
export function splitWindow(w: Window, n: number): PlannedWindow[] {
  const from = w.from.getTime();
  const to = w.to.getTime();
  const instants = to - from + (w.last ? 1 : 0);
  const pieces = Math.max(1, Math.min(Math.trunc(n), instants));
  const out: PlannedWindow[] = [];
  for (let k = 0; k < pieces; k++) {
    const a = from + Math.floor((k * instants) / pieces);
    const b = from + Math.floor(((k + 1) * instants) / pieces);
    const lastPiece = k === pieces - 1;
    // The last piece ends where the window does, closed if the window was.
    out.push({ from: new Date(a).toISOString(), to: new Date(lastPiece ? to : b).toISOString(), ...(lastPiece && w.last ? { last: true as const } : {}) });
  }
  return out;
}

/** The window cut at the given instants (those strictly inside it), the last piece closed if the window was. */
export function splitAt(w: Window, instants: Date[]): PlannedWindow[] {
  const from = w.from.getTime();
  const to = w.to.getTime();
  const cuts = [...new Set(instants.map((d) => d.getTime()).filter((t) => t > from && t < to))].sort((a, b) => a - b);
  const starts = [from, ...cuts];
  return starts.map((a, k) => {
    const lastPiece = k === starts.length - 1;
    return { from: new Date(a).toISOString(), to: new Date(lastPiece ? to : starts[k + 1]!).toISOString(), ...(lastPiece && w.last ? { last: true as const } : {}) };
  });
}
