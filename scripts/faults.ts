/**
 * `npm run test:faults`: breaks a real stack (embedded PostgreSQL, a Temporal dev server, `npm run
 * api`, two `npm run worker`, a source simulator, a Postgres destination, a webhook receiver; see
 * scripts/faults/stack.ts) in the ways production does, and prints one line per scenario of what held.
 * Exits 1 when any proof fails. FAULTS_ONLY=name,… picks scenarios; `--fast` (or FAULTS_FAST=1) runs
 * the fast subset. A failed scenario prints the tails of the processes' logs.
 */
import { apiKill } from './faults/api-kill';
import { destinationOutage } from './faults/destination-outage';
import { providerStorm } from './faults/provider-storm';
import type { Scenario } from './faults/scenario';
import { startStack } from './faults/stack';
import { temporalRestart } from './faults/temporal-restart';
import { webhookOutage } from './faults/webhook-outage';
import { workerKillAtFinish, workerKillBetweenCommits, workerKillReading } from './faults/worker-kill';

const SCENARIOS: Scenario[] = [workerKillReading, workerKillBetweenCommits, workerKillAtFinish, apiKill, providerStorm, destinationOutage, webhookOutage, temporalRestart];

const fast = process.argv.includes('--fast') || process.env.FAULTS_FAST === '1';
const only = process.env.FAULTS_ONLY?.split(',').filter(Boolean);

async function main(): Promise<number> {
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown scenario(s) ${unknown.join(', ')}; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const chosen = SCENARIOS.filter((s) => (only ? only.includes(s.name) : !fast || s.fast));
  const started = Date.now();
  const stack = await startStack(
    (line) => console.log(line),
    (close) => {
      closeStack = close;
    },
  );
  console.log(`faults: stack up in ${Math.round((Date.now() - started) / 1000)} s (${stack.dir}); ${chosen.length} scenario(s)${fast ? ', fast subset' : ''}`);
  let failed = 0;
  try {
    for (const scenario of chosen) {
      const t0 = Date.now();
      let ok = false;
      let line: string;
      try {
        // Each scenario starts with two healthy workers, whatever the one before did to them.
        await stack.ensureWorkers(2);
        ({ ok, line } = await scenario.run(stack));
      } catch (err) {
        line = `error: ${(err as Error).stack ?? err}`;
      }
      const seconds = Math.round((Date.now() - t0) / 1000);
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${scenario.name} (${seconds} s): ${line}`);
      if (!ok) {
        failed++;
        console.log(stack.logs());
      }
    }
  } finally {
    await stack.close();
  }
  const total = Math.round((Date.now() - started) / 1000);
  console.log(failed ? `faults: ${failed} of ${chosen.length} scenario(s) FAILED in ${total} s` : `faults: ${chosen.length} scenario(s) held in ${total} s`);
  return failed ? 1 : 0;
}

/** Stops what the stack started; set as soon as it starts anything. */
let closeStack: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`faults: ${signal}, stopping the stack`);
    // Whatever close() has not stopped in 30 s: the API and worker groups are SIGKILLed on exit (scripts/faults/processes.ts).
    const timer = setTimeout(() => process.exit(130), 30_000);
    void (closeStack?.() ?? Promise.resolve()).finally(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  });
}

process.exitCode = await main().catch((err) => {
  console.error(err);
  return 1;
});
