/**
 * Checks made before anything starts, so a first run that cannot work says so in one plain line
 * per problem (what is wrong and which setting changes it) instead of a stack trace after half
 * the stack came up and was torn down again.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../lib/config';
import { postgresDataDir } from '../lib/embedded-postgres';

/** A problem a person fixes by changing a setting; printed as its lines, without a stack trace. */
export class StartupProblem extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'StartupProblem';
  }
}

interface PortNeed {
  port: number;
  host: string;
  /** The line printed when the port is taken. */
  busy: string;
}

/** The ports this process will listen on: the API always, the embedded servers when they are used. */
function portsNeeded(config: Config, roles: { api: boolean; embedded: boolean }): PortNeed[] {
  const needs: PortNeed[] = [];
  if (roles.embedded && !config.temporal.address) {
    const t = config.temporal.devServerPort;
    needs.push({
      port: t,
      host: '127.0.0.1',
      busy: `port ${t} is in use — set TEMPORAL_ADDRESS=localhost:${t} to use that Temporal server, or TEMPORAL_PORT to move ours`,
    });
    needs.push({ port: config.temporal.uiPort, host: '127.0.0.1', busy: `port ${config.temporal.uiPort} (Temporal UI) is in use — set TEMPORAL_UI_PORT to move ours` });
  }
  if (roles.embedded && !config.databaseUrl) {
    const p = config.embeddedPostgresPort;
    needs.push({ port: p, host: '127.0.0.1', busy: `port ${p} (embedded PostgreSQL) is in use — set EMBEDDED_POSTGRES_PORT to move ours, or DATABASE_URL to use that server` });
  }
  if (roles.api) needs.push({ port: config.port, host: config.host, busy: `port ${config.port} (API) is in use — set PORT to move it` });
  return needs;
}

function isFree(need: PortNeed): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port: need.port, host: need.host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The PostgreSQL of another instance still running on this DATA_DIR (its postmaster.pid names a live process). */
function runningInstancePid(config: Config): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(postgresDataDir(config.dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Throws a StartupProblem listing every port that is taken (and an instance already running on DATA_DIR). */
export async function checkBeforeStart(config: Config, roles: { api: boolean; embedded: boolean }): Promise<void> {
  const lines: string[] = [];
  const pid = roles.embedded && !config.databaseUrl ? runningInstancePid(config) : undefined;
  if (pid !== undefined)
    lines.push(`DATA_DIR ${config.dataDir} is in use by another running instance (its PostgreSQL is pid ${pid}) — stop it first, or set DATA_DIR to another directory`);
  const needs = portsNeeded(config, roles).filter((n) => !(pid !== undefined && n.port === config.embeddedPostgresPort));
  const free = await Promise.all(needs.map(isFree));
  needs.forEach((n, i) => {
    if (!free[i]) lines.push(n.busy);
  });
  if (lines.length) throw new StartupProblem(lines);
}
