/**
 * `npm run api` and `npm run worker` as real child processes of the fault runner, each in its own
 * process group (npm, sh, tsx and node), so a scenario can SIGKILL one the way an OOM killer or a
 * lost machine would, and the runner can always reap what it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Every group this runner started, for the last-resort kill when it exits however it exits. */
const groups = new Set<number>();
process.on('exit', () => {
  for (const pgid of groups) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export interface RoleProcess {
  readonly role: 'api' | 'worker';
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  exited(): boolean;
  /** The pids of the group (npm, sh, tsx, node): Temporal names a worker `<node pid>@<host>`. */
  pids(): number[];
  /** SIGKILL to the whole group: no shutdown hook runs. */
  kill(): Promise<void>;
  /** SIGTERM (the orderly shutdown), SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  logTail(lines?: number): string;
}

export function startRole(role: 'api' | 'worker', name: string, env: NodeJS.ProcessEnv, logDir: string): RoleProcess {
  const logPath = path.join(logDir, `${name}.log`);
  const log = openSync(logPath, 'a');
  const child = spawn('npm', ['run', '--silent', role], { cwd: ROOT, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log); // the child has its own copy
  const pgid = child.pid!;
  groups.add(pgid);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const waitGroupGone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && groupPids(pgid).length > 0) await new Promise((r) => setTimeout(r, 50));
  };
  return {
    role,
    name,
    child,
    logPath,
    exited,
    pids: () => groupPids(pgid),
    async kill() {
      killGroup(pgid, 'SIGKILL');
      await exit;
      await waitGroupGone(5_000);
      groups.delete(pgid);
    },
    async stop(graceMs = 15_000) {
      if (!exited()) {
        killGroup(pgid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      }
      await waitGroupGone(graceMs);
      killGroup(pgid, 'SIGKILL');
      groups.delete(pgid);
    },
    logTail(lines = 30) {
      try {
        return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
}

/** The processes of a group, from /proc (Linux: where this suite runs). */
function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}
