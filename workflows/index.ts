// Everything exported here is registered on the worker as a workflow type.
export { systemCheckWorkflow } from './system-check';
export { syncRunWorkflow } from './sync-run';
export { reconcileSchedulesWorkflow } from './reconcile';
export { webhookDeliveryWorkflow, webhookDispatchWorkflow } from './webhook-delivery';
export { destinationTestWorkflow } from './destination-test';
export { writeJobWorkflow } from './write-job';
export { discoverWorkflow } from './discover';
export { syncJobWorkflow } from './sync-job';
export { connectionVerifyWorkflow } from './connection-verify';
export { connectionDeleteWorkflow } from './connection-delete';
