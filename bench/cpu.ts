/**
 * Where a benchmark phase's CPU went, from /proc: the machine's busy time (all cores) and each
 * process group's user + system time. On a 2-core machine this says whether a phase was bound by
 * the cores (busy ≈ 2 × wall) and which process spent them. Linux only; elsewhere it reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ, 100 on every Linux the benchmarks run on

export interface CpuSnapshot {
  at: number;
  busy: number;
  /** Per process: its name, when it started (with the pid, its identity: a kernel worker renames itself), its CPU seconds. */
  byPid: Map<number, { comm: string; started: string; seconds: number }>;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const at = performance.now();
  const line = read('/proc/stat')?.split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal ...
  const fields = line?.split(/\s+/).slice(1).map(Number) ?? [];
  const busy = fields.length ? (fields.reduce((a, b) => a + b, 0) - (fields[3] ?? 0) - (fields[4] ?? 0)) / TICK : 0;
  const byPid = new Map<number, { comm: string; started: string; seconds: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    // not Linux
  }
  for (const p of pids) {
    const stat = read(`/proc/${p}/stat`);
    if (!stat) continue;
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat.slice(close + 2).split(' ');
    // utime, stime and starttime are fields 14, 15 and 22: 11, 12 and 19 after the state field at 0.
    byPid.set(Number(p), { comm: comm.replace(/-.*$/, ''), started: rest[19]!, seconds: (Number(rest[11]) + Number(rest[12])) / TICK });
  }
  return { at, busy, byPid };
}

/**
 * CPU seconds per group between two snapshots. `groups` names pids; other processes are grouped by
 * name (postgres, temporal, ...). A process that ended in between is not counted; the machine's
 * busy time still is.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, groups: Record<string, number | undefined>): string {
  const label = new Map<number, string>();
  for (const [name, pid] of Object.entries(groups)) if (pid !== undefined) label.set(pid, name);
  const totals = new Map<string, number>();
  for (const [pid, end] of b.byPid) {
    const start = a.byPid.get(pid);
    const seconds = end.seconds - (start?.started === end.started ? start.seconds : 0);
    if (seconds <= 0) continue;
    const name = label.get(pid) ?? end.comm;
    totals.set(name, (totals.get(name) ?? 0) + seconds);
  }
  const wall = (b.at - a.at) / 1000;
  const parts = [...totals].filter(([, s]) => s >= 0.05).sort((x, y) => y[1] - x[1]);
  return `cpu over ${wall.toFixed(1)} s: machine busy ${(b.busy - a.busy).toFixed(1)} s; ${parts.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`;
}
