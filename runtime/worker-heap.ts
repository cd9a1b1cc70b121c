/**
 * How the worker's heap grows. After each full GC V8 sets the next one's threshold at what survived
 * times a factor of its own choosing, up to 4x, picked from how fast it collects and allocates; a
 * sync allocates fast (pages parsed, batches encoded), so its garbage stays uncollected for long and
 * the worker's RSS grows with the run (420 MB at 100k records, about 500 at 1M, over a live set that
 * stays far smaller: docs/benchmarks.md, "Worker memory"). A fixed, small factor keeps the heap near
 * what is live. Unlike a heap limit (--max-old-space-size) it cannot make the worker run out of
 * memory: a working set that needs more (big records in big batches) still gets it.
 *
 * The default (60, lib/config.ts) with docker-compose.yml's smaller young generation
 * (--max-semi-space-size=8, which only node's command line can set) was picked from the same-run
 * comparisons in docs/benchmarks.md: 10 kept RSS lowest but cost ~40 % of a CPU-bound sync's time,
 * because each full GC there also promoted the young objects of the moment, which filled the next
 * small step at once.
 */
import { setFlagsFromString } from 'node:v8';

export function applyHeapGrowth(percent: number): void {
  // `node --heap-growing-percent=N` (NODE_OPTIONS cannot carry it) says what this process wants.
  if (percent === 0 || process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) return;
  // V8 reads it at every full GC, so setting it once the process runs takes effect from the next.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
