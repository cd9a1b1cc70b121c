/**
 * Layer rules of docs/architecture.md, checked by `npm run lint`. Paths are relative to the
 * project root; test/ and bench/ may import anything.
 */
/** Everything of the project outside lib/: its top-level folders and entry points. */
const project = '^(activities|api|bench|db|destinations|providers|runtime|scripts|services|test|workflows)/|^[^/]+\\.ts$';
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles hide which module owns what.', from: {}, to: { circular: true } },
    {
      name: 'services-not-api',
      severity: 'error',
      comment: 'Services own their input types and throw domain errors; only api/ speaks HTTP.',
      from: { path: '^services/' },
      to: { path: '^api/' },
    },
    {
      name: 'api-only-services',
      severity: 'error',
      comment: 'Routes call services; the database, activities and workflows are behind them (workflow/activity types excepted).',
      from: { path: '^api/' },
      to: { path: '^(db|activities|workflows)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'plugins-are-pure',
      severity: 'error',
      comment: 'Providers and destinations get what they need as arguments; they never open the database or call services.',
      from: { path: '^(providers|destinations)/' },
      to: { path: '^(db|services|api|activities|workflows|runtime)/' },
    },
    {
      name: 'destinations-not-providers',
      severity: 'error',
      comment: 'Record types both share live in lib/records.ts.',
      from: { path: '^destinations/' },
      to: { path: '^providers/' },
    },
    {
      name: 'workflows-deterministic',
      severity: 'error',
      comment:
        'Workflow code runs in the deterministic sandbox: only its own folder, the Temporal workflow SDK and activity types. ' +
        'The swc parser cannot tell `import type` apart, so activities/ passes here; verbatimModuleSyntax makes a type import ' +
        'explicit, and a value import would drag Node modules into the bundle, which the Temporal bundler rejects in every test run.',
      from: { path: '^workflows/' },
      to: { pathNot: ['^workflows/', '^activities/', '^node_modules/@temporalio/(workflow|common)/'] },
    },
    {
      name: 'workflows-activity-types',
      severity: 'error',
      comment: 'Workflows see activities as types only (proxyActivities<T>), and nothing else of the project.',
      from: { path: '^workflows/' },
      to: { path: project, pathNot: ['^workflows/', '^activities/'] },
    },
    {
      name: 'activities-via-services',
      severity: 'error',
      comment: 'Activities are thin adapters over services: SQL and repositories are behind the services.',
      from: { path: '^activities/' },
      to: { path: '^db/', dependencyTypesNot: ['type-only'] },
    },
    { name: 'lib-is-leaf', severity: 'error', comment: 'lib/ holds leaf utilities.', from: { path: '^lib/' }, to: { path: project } },
    {
      name: 'db-not-services',
      severity: 'error',
      comment: 'Repositories are called by services, never the reverse.',
      from: { path: '^db/' },
      to: { path: '^(services|api|activities|workflows|runtime)/' },
    },
    {
      name: 'activities-not-api',
      severity: 'error',
      comment: 'Activities adapt services for Temporal; HTTP is not their business.',
      from: { path: '^activities/' },
      to: { path: '^api/' },
    },
    { name: 'no-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.data|\\.cache)/' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
