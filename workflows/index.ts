// Everything exported here is registered on the worker as a workflow type.
export { systemCheckWorkflow } from './system-check';
