/**
 * Asynchronous discovery (Syncwell extension, Hotglue's discover and poll): starting returns at once
 * while a Temporal workflow (`discover:<connection id>`) runs discoverConnection on a worker and stores
 * the catalog with the connection. A start while a discovery runs joins it. Polling answers from the
 * stored outcome and from Temporal, which knows a discovery is running before its worker has begun.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import * as repo from '../../db/repositories/connection-catalogs';
import { findConnectionById } from '../../db/repositories/connections';
import { DomainError, failureMessage } from '../../lib/errors';
import type { ServiceDeps } from '../deps';
import { getConnectionByHeadersOrThrow } from './connections';
import { discoverConnection, type DiscoveredObject } from './discover';

export interface DiscoverStatus {
  status: 'not_started' | 'running' | 'succeeded' | 'failed';
  /** The catalog of the discovery that succeeded. */
  catalog?: { objects: DiscoveredObject[] };
  /** Why the discovery failed, as the provider or the worker said. */
  error?: string;
  started_at?: string;
  updated_at?: string;
}

export interface StoredCatalog {
  objects: DiscoveredObject[];
  updated_at: string;
}

export interface DiscoverJobInput {
  applicationId: string;
  connectionId: string;
}

export const discoverWorkflowId = (connectionId: string) => `discover:${connectionId}`;

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

async function workflowRunning(deps: ServiceDeps, connectionId: string): Promise<boolean> {
  try {
    const desc = await deps.temporal.client.workflow.getHandle(discoverWorkflowId(connectionId)).describe();
    return desc.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

async function statusOf(deps: ServiceDeps, connectionId: string, running: boolean): Promise<DiscoverStatus> {
  const row = await repo.findConnectionCatalog(deps.db, connectionId);
  if (running) return { status: 'running', ...(row && row.status === 'running' ? { started_at: iso(row.started_at) } : {}) };
  if (!row) return { status: 'not_started' };
  const times = { started_at: iso(row.started_at), updated_at: iso(row.updated_at) };
  if (row.status === 'succeeded') return { status: 'succeeded', catalog: row.catalog as { objects: DiscoveredObject[] }, ...times };
  if (row.status === 'failed') return { status: 'failed', error: row.error ?? 'discovery failed', ...times };
  // Marked running, but no workflow runs: it ended (terminated, timed out) without recording an outcome.
  return { status: 'failed', error: 'the discovery ended without finishing; start it again', ...times };
}

/** Starts a discovery of the connection, or joins the one running; answers at once with `running`. */
export async function startDiscover(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<DiscoverStatus> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  try {
    await deps.temporal.client.workflow.start('discoverWorkflow', {
      taskQueue: deps.temporal.taskQueue,
      workflowId: discoverWorkflowId(connection.id),
      args: [{ applicationId, connectionId: connection.id } satisfies DiscoverJobInput],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // Nobody waits for a discovery an hour old.
      workflowExecutionTimeout: '1 hour',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return statusOf(deps, connection.id, true);
}

export async function pollDiscover(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<DiscoverStatus> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  return statusOf(deps, connection.id, await workflowRunning(deps, connection.id));
}

/** The catalog the latest successful discovery stored; null when none has succeeded. */
export async function getStoredCatalog(deps: ServiceDeps, applicationId: string, customerId: string, providerName: string): Promise<StoredCatalog | null> {
  const connection = await getConnectionByHeadersOrThrow(deps, applicationId, customerId, providerName);
  const row = await repo.findConnectionCatalog(deps.db, connection.id);
  if (!row?.catalog || !row.catalog_updated_at) return null;
  return { objects: (row.catalog as { objects: DiscoveredObject[] }).objects, updated_at: iso(row.catalog_updated_at) };
}

/**
 * The discovery, on a worker. A failure a retry cannot fix (credentials, permissions, configuration,
 * a provider without an implementation) is recorded at once with its cause; a transient one is
 * rethrown for the activity's retries while `retriesLeft`, then recorded.
 */
export async function runDiscoverJob(deps: ServiceDeps, input: DiscoverJobInput, opts: { retriesLeft: boolean; signal?: AbortSignal }): Promise<'succeeded' | 'failed'> {
  const connection = await findConnectionById(deps.db, input.applicationId, input.connectionId);
  if (!connection) return 'failed'; // deleted: its catalog row went with it
  await repo.markDiscoveryRunning(deps.db, input.applicationId, input.connectionId, new Date());
  try {
    const found = await discoverConnection(deps, input.applicationId, connection.external_customer_id, connection.provider_name, opts.signal);
    await repo.saveDiscoveredCatalog(deps.db, input.connectionId, found, new Date());
    return 'succeeded';
  } catch (err) {
    const retryable = !(err instanceof DomainError) || err.retryable;
    if (retryable && opts.retriesLeft) throw err;
    deps.logger.info({ connectionId: input.connectionId, error: failureMessage(err) }, 'discovery failed');
    await repo.saveDiscoveryFailure(deps.db, input.connectionId, failureMessage(err), new Date());
    return 'failed';
  }
}

/** The workflow could not run the discovery at all (every attempt lost): record that instead of leaving it running. */
export async function failDiscoverJob(deps: ServiceDeps, input: DiscoverJobInput & { error: string }): Promise<void> {
  await repo.saveDiscoveryFailure(deps.db, input.connectionId, input.error, new Date());
}
