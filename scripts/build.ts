/**
 * `npm run build [-- --outdir DIR]`: the production build in dist/, run with plain `node` and
 * production dependencies only (the Dockerfile's runtime stage).
 *
 *   dist/{main,server,worker,cli}.js  each entry point with the project's code bundled in;
 *                                     packages stay imports of node_modules
 *   dist/workflow-bundle.js           the workflow code, bundled once here instead of at every
 *                                     worker start (runtime/worker.ts loads it from beside itself)
 *
 * Entry points are bundled one by one, not split into shared chunks: runtime/worker.ts finds the
 * workflow bundle next to the file its code is in, which must be the entry point's.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../lib/temporal-binaries';
import { PREBUILT_WORKFLOW_BUNDLE, WORKFLOWS_PATH } from '../runtime/worker';

const ENTRY_POINTS = ['main.ts', 'server.ts', 'worker.ts', 'cli.ts'];
const { values: args } = parseArgs({ options: { outdir: { type: 'string', default: path.join(PROJECT_ROOT, 'dist') } } });
const outdir = path.resolve(args.outdir);

await rm(outdir, { recursive: true, force: true });
const [bundled] = await Promise.all([
  bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
  build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: ENTRY_POINTS,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
]);
await writeFile(path.join(outdir, PREBUILT_WORKFLOW_BUNDLE), bundled.code);
console.log(`built ${[...ENTRY_POINTS.map((e) => e.replace(/\.ts$/, '.js')), PREBUILT_WORKFLOW_BUNDLE].join(', ')} in ${path.relative(process.cwd(), outdir) || '.'}`);
