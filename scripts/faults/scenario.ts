/** What a fault scenario is to the runner (scripts/faults.ts): a name, whether the fast subset runs it, and its proof. */
import type { Stack } from './stack';

export interface Proof {
  ok: boolean;
  /** One line: what was broken and what held (counts, not adjectives). */
  line: string;
}

export interface Scenario {
  /** For FAULTS_ONLY=name,… */
  name: string;
  /** Part of the fast subset (`--fast`, FAULTS_FAST=1). */
  fast: boolean;
  run(stack: Stack): Promise<Proof>;
}
