/** Starting the Temporal dev server: another port when it dies at start-up, and a readable reason when it cannot start. */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer } from '../lib/temporal-dev-server';
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';

let dir: string;
let cliPath: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'syncwell-devserver-'));
  cliPath = await resolveTemporalBinaryPath('cli');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A CLI that panics like a Go binary (reason first, then a long stack) for its first `failures` runs, then is the real one. */
async function flakyCli(failures: number): Promise<{ path: string; runs: () => Promise<number> }> {
  const counter = path.join(dir, `runs-${failures}`);
  const script = path.join(dir, `temporal-${failures}.sh`);
  await writeFile(counter, '0');
  await writeFile(
    script,
    `#!/bin/sh
n=$(( $(cat '${counter}') + 1 )); echo $n > '${counter}'
if [ $n -le ${failures} ]; then
  echo "panic: listen tcp 127.0.0.1:1: bind: address already in use (run $n)" >&2
  i=0; while [ $i -lt 300 ]; do echo "goroutine $i [running]: go.uber.org/dig.paramList.BuildList(...)" >&2; i=$((i+1)); done
  exit 2
fi
exec '${cliPath}' "$@"
`,
  );
  await chmod(script, 0o755);
  return { path: script, runs: async () => Number(await readFile(counter, 'utf8')) };
}

describe('temporal dev server start-up', () => {
  it("tries other ports when the server dies at start-up ('auto'), and serves", async () => {
    const cli = await flakyCli(2);
    const server = await startTemporalDevServer({ cliPath: cli.path, port: 'auto', namespace: 'default' });
    try {
      expect(await cli.runs()).toBe(3);
      const connection = await Connection.connect({ address: server.address });
      try {
        const res = await connection.workflowService.describeNamespace({ namespace: 'default' });
        expect(res.namespaceInfo?.name).toBe('default');
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('gives up after three early exits, with the reason from the head of the output', async () => {
    const cli = await flakyCli(10);
    const err = await startTemporalDevServer({ cliPath: cli.path, port: 'auto', namespace: 'default' }).then(
      () => {
        throw new Error('started');
      },
      (e: Error) => e,
    );
    expect(await cli.runs()).toBe(3);
    expect(err.message).toMatch(/^Temporal dev server failed to start: process exited \(2\)\npanic: listen tcp 127\.0\.0\.1:1: bind: address already in use \(run 3\)/);
    expect(err.message).toContain('goroutine 299 [running]');
  });

  it('does not retry a port the caller chose', async () => {
    const cli = await flakyCli(1);
    await expect(startTemporalDevServer({ cliPath: cli.path, port: 1, namespace: 'default' })).rejects.toThrow(/process exited \(2\)/);
    expect(await cli.runs()).toBe(1);
  });
});
