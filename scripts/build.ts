/**
 * `npm run build [-- --outdir DIR]`: the production build in dist/, run with plain `node` and
 * production dependencies only (the Dockerfile's runtime stage).
 *
 *   dist/{main,server,worker,cli}.js  each entry point with the project's code bundled in;
 *                                     packages stay imports of node_modules
 *   dist/workflow-bundle.js           the workflow code, bundled once here instead of at every
 *                                     worker start (runtime/worker.ts loads it from beside itself)
 *
 *   dist/*-<hash>.js                  code shared by the entry points, and what they import() on
 *                                     first use (the S3 and BigQuery writers): split into chunks so
 *                                     that a dynamic import stays one, and its packages load only then
 *
 * Chunks are written beside the entry points, so runtime/worker.ts, in whichever chunk it lands,
 * still finds the workflow bundle next to its own file.
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
    splitting: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
]);
await writeFile(path.join(outdir, PREBUILT_WORKFLOW_BUNDLE), bundled.code);
console.log(`built ${[...ENTRY_POINTS.map((e) => e.replace(/\.ts$/, '.js')), PREBUILT_WORKFLOW_BUNDLE].join(', ')} in ${path.relative(process.cwd(), outdir) || '.'}`);
