/**
 * Verifying a connection (the integrations API's verify task, /mgmt/v2 `_verify`): a job whose Temporal
 * workflow (`connection-verify:<job id>`) makes one cheap request with the stored credentials, the one
 * the hosted connect page makes before it saves a form: the provider's "who am I" call when it has
 * one, else the first page of the connector's first top-level stream. The connection moves
 * `verifying` → `live` (its syncs are created and started then) or `failed` with the provider's reason.
 */
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { findConnectionById, type ConnectionWithCustomer } from '../../db/repositories/connections';
import * as integrationsRepo from '../../db/repositories/integrations';
import * as jobsRepo from '../../db/repositories/jobs';
import type { ConnectionJobSubject } from '../../db/database';
import { ConflictError, DomainError, failureMessage } from '../../lib/errors';
import { UnknownProviderError } from '../../providers/errors';
import { isBuiltInProvider } from '../../providers/registry';
import { findConnectorDefinition } from '../catalog/connectors';
import type { ServiceDeps } from '../deps';
import { toJobResponse, type JobResponse } from '../jobs/jobs';
import { listAutoPausedSyncsOfConnection } from '../../db/repositories/syncs';
import { reconcileConnectionSyncs, setSyncPaused, triggerSync } from '../syncs/syncs';
import { openConnectionProvider } from './provider-context';

export interface ConnectionJobInput {
  jobId: string;
}

export const connectionVerifyWorkflowId = (jobId: string) => `connection-verify:${jobId}`;

const LIVE_CHECK_TIMEOUT_MS = 15_000;

/** The pause reason of syncs whose connection's credentials changed and are not verified yet. */
export const AWAITING_VERIFICATION = 'awaiting verification of new credentials';

/**
 * New credentials of an existing connection are not checked yet: its running syncs are paused (an
 * automatic pause, announced as sync.paused) until a verification makes it live again.
 */
export async function holdSyncsUntilVerified(deps: ServiceDeps, connectionId: string): Promise<void> {
  for (const sync of await integrationsRepo.listUnpausedSyncsOfConnection(deps.db, connectionId)) await setSyncPaused(deps, sync, true, AWAITING_VERIFICATION);
}

/**
 * Whether a provider's connections stay `new` until verified: those Syncwell can check live, i.e. the
 * built-ins (each has a "who am I" call) and declarative connectors with a top-level stream to read.
 * A reference provider name without an implementation has nothing to ask, so it is live at once.
 */
export async function requiresVerification(deps: ServiceDeps, applicationId: string, providerName: string): Promise<boolean> {
  const connector = await findConnectorDefinition(deps.db, applicationId, providerName);
  if (connector) return connector.streams.some((s) => !s.parent_stream);
  return isBuiltInProvider(providerName);
}

export function connectionJobSubject(connection: ConnectionWithCustomer): ConnectionJobSubject {
  return {
    connection_id: connection.id,
    customer_id: connection.customer_id,
    external_customer_id: connection.external_customer_id,
    provider_name: connection.provider_name,
    integration_id: connection.public_id,
  };
}

/** Queues a verification of the connection's stored credentials and starts its workflow; the connection is `verifying` meanwhile. */
export async function startConnectionVerify(deps: ServiceDeps, applicationId: string, connection: ConnectionWithCustomer): Promise<JobResponse> {
  const job = await deps.db.transaction().execute(async (trx) => {
    const moved = await integrationsRepo.setIntegrationState(trx, connection.id, 'verifying', null, ['new', 'verifying', 'live', 'failed']);
    if (!moved) throw new ConflictError(`The ${connection.provider_name} connection of customer ${connection.external_customer_id} is being deleted`);
    return integrationsRepo.insertConnectionJob(trx, { application_id: applicationId, type: 'connection_verify', subject: connectionJobSubject(connection) });
  });
  try {
    await deps.temporal.client.workflow.start('connectionVerifyWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: connectionVerifyWorkflowId(job.id),
      args: [{ jobId: job.id } satisfies ConnectionJobInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // Nobody waits for a verification an hour old.
      workflowExecutionTimeout: '1 hour',
    });
  } catch (err) {
    await failConnectionVerifyJob(deps, { jobId: job.id, error: 'the verification could not be started; try again' });
    throw err;
  }
  return toJobResponse(job);
}

/** The provider's reason for refusing the credentials; undefined when it accepted them or there is nothing to ask. */
async function liveCheckProblem(deps: ServiceDeps, applicationId: string, connection: ConnectionWithCustomer, signal: AbortSignal): Promise<string | undefined> {
  try {
    const provider = await openConnectionProvider(deps, applicationId, connection.id);
    if (provider.loggedInUser) {
      await provider.loggedInUser();
      return undefined;
    }
    const connector = await findConnectorDefinition(deps.db, applicationId, connection.provider_name);
    const stream = connector?.streams.find((s) => !s.parent_stream);
    if (stream) await provider.readPage({ object: stream.id, objectType: 'standard', modifiedSince: null, pageState: null, signal });
    return undefined;
  } catch (err) {
    if (err instanceof UnknownProviderError) return undefined;
    if (err instanceof DomainError && !err.retryable) return failureMessage(err);
    throw err;
  }
}

/**
 * The verification, on a worker. The provider refusing is the job's outcome (`failed` with its reason);
 * a transient failure is rethrown for the activity's retries while `retriesLeft`, then recorded.
 */
export async function runConnectionVerifyJob(deps: ServiceDeps, input: ConnectionJobInput, opts: { retriesLeft: boolean }): Promise<'succeeded' | 'failed'> {
  const job = await jobsRepo.markJobRunning(deps.db, input.jobId);
  // Finished already (an attempt that recorded its outcome and was lost after), or gone with its connection.
  if (!job) return (await jobsRepo.findJobById(deps.db, input.jobId))?.status === 'succeeded' ? 'succeeded' : 'failed';
  const subject = job.subject!;
  const connection = await findConnectionById(deps.db, job.application_id, subject.connection_id);
  if (!connection) return finish(deps, input.jobId, 'the connection was deleted');
  let problem: string | undefined;
  try {
    problem = await liveCheckProblem(deps, job.application_id, connection, AbortSignal.timeout(LIVE_CHECK_TIMEOUT_MS));
  } catch (err) {
    if (opts.retriesLeft) throw err;
    problem = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${LIVE_CHECK_TIMEOUT_MS / 1000} s` : failureMessage(err);
  }
  if (problem !== undefined) {
    await integrationsRepo.setIntegrationState(deps.db, connection.id, 'failed', problem, ['verifying']);
    return finish(deps, input.jobId, problem);
  }
  // Credentials changed meanwhile (back to `new`) were not the ones checked. `live` already: an earlier
  // attempt of this job got this far, and its reconcile below is what failed.
  if (!(await integrationsRepo.setIntegrationState(deps.db, connection.id, 'live', null, ['verifying', 'live']))) {
    return finish(deps, input.jobId, 'the connection changed while it was verified; verify it again');
  }
  await reconcileConnectionSyncs(deps, job.application_id, connection.id);
  // As a re-authorisation does: the syncs the engine paused (held for this check, or refused credentials) resume and run now.
  for (const sync of await listAutoPausedSyncsOfConnection(deps.db, connection.id)) {
    await triggerSync(deps, await setSyncPaused(deps, sync, false), { fullRefresh: false });
  }
  return finish(deps, input.jobId, null);
}

async function finish(deps: ServiceDeps, jobId: string, error: string | null): Promise<'succeeded' | 'failed'> {
  await jobsRepo.finishJob(deps.db, jobId, { status: error === null ? 'succeeded' : 'failed', error });
  return error === null ? 'succeeded' : 'failed';
}

/** No attempt could verify (worker lost every time, database down): the job and the connection say so. */
export async function failConnectionVerifyJob(deps: ServiceDeps, input: ConnectionJobInput & { error: string }): Promise<void> {
  const job = await jobsRepo.finishJob(deps.db, input.jobId, { status: 'failed', error: input.error });
  if (job?.subject) await integrationsRepo.setIntegrationState(deps.db, job.subject.connection_id, 'failed', input.error, ['verifying']);
}
