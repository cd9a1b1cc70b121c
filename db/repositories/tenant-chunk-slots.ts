/**
 * The tenant_chunk_slots table: who runs a sync chunk and who waits for a slot, per application and
 * customer. Asks and releases of one application serialise on an advisory lock, so counting the
 * slots held and taking one are one step; every time is the database's (clock_timestamp()).
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../connection';

/** Advisory lock class of an application's slots (the key is a hash of its id). */
const SLOT_LOCK_CLASS = 0x5717_0002;

export interface SlotCaps {
  perApplication: number;
  perCustomer: number;
}

export interface SlotAsk extends SlotCaps {
  runId: string;
  /** The run's workflow, signalled when a slot frees for it. */
  workflowId: string;
  leaseId: string;
  leaseMs: number;
  /** When this run first asked for the slot (carried by its workflow); null: now. */
  waitingSince: Date | null;
  /** How long a refused waiter keeps its row, given how many waves of chunks are ahead of it. */
  waiterMs: (waves: number) => number;
}

export type SlotAnswer =
  | { granted: true; applicationId: string; customerId: string; waitingSince: Date }
  | { granted: false; applicationId: string; customerId: string; waitingSince: Date; ahead: number; waves: number; waiterMs: number };

interface Standing {
  held: number;
  load: number | null;
  pos: number | null;
}

const lockApplication = (trx: Db, applicationId: string) => sql`select pg_advisory_xact_lock(${SLOT_LOCK_CLASS}::int, hashtext(${applicationId}::text))`.execute(trx);

const dropExpired = (trx: Db, applicationId: string) =>
  trx.deleteFrom('tenant_chunk_slots').where('application_id', '=', applicationId).where('expires_at', '<=', sql<Date>`clock_timestamp()`).execute();

/**
 * The application's waiters in the order slots go to them. A waiter's load is its customer's
 * slots held plus the customer's waiters up to it (oldest first); waiters whose load passes the
 * customer cap are not eligible. Eligible ones are ranked by load, then by how long they have
 * waited: a freed slot goes to the customer running the fewest chunks, and within a load to the
 * longest waiter, so a customer's queue of 200 never goes ahead of another's first.
 */
function ranked(applicationId: string, perCustomer: number): RawBuilder<unknown> {
  return sql`
    live as (select run_id, customer_id, workflow_id, lease_id, waiting_since from tenant_chunk_slots where application_id = ${applicationId}),
    held as (select customer_id, count(*)::int as n from live where lease_id is not null group by customer_id),
    waiters as (
      select w.run_id, w.workflow_id, w.waiting_since,
        (coalesce(h.n, 0) + row_number() over (partition by w.customer_id order by w.waiting_since, w.run_id))::int as load
      from live w left join held h using (customer_id)
      where w.lease_id is null
    ),
    eligible as (
      select run_id, workflow_id, load, row_number() over (order by load, waiting_since, run_id)::int as pos
      from waiters where load <= ${perCustomer}
    )`;
}

async function standing(trx: Db, applicationId: string, runId: string, perCustomer: number): Promise<Standing> {
  const { rows } = await sql<Standing>`
    with ${ranked(applicationId, perCustomer)}
    select
      (select count(*)::int from live where lease_id is not null) as held,
      (select load from waiters where run_id = ${runId}) as load,
      (select pos from eligible where run_id = ${runId}) as pos
  `.execute(trx);
  return rows[0]!;
}

/**
 * One chunk's ask for a slot of its run's application and customer: granted when both are under
 * their cap and no waiter ranks before it for the free ones; otherwise the run waits in line
 * (its row kept for `waiterMs`). A run whose slot is still leased (its chunk's earlier attempt,
 * whose worker died) takes the lease over at once. Undefined: the run no longer exists.
 */
export async function acquireChunkSlot(db: Db, ask: SlotAsk): Promise<SlotAnswer | undefined> {
  return db.transaction().execute(async (trx) => {
    const run = await trx.selectFrom('sync_runs').select(['application_id', 'customer_id']).where('id', '=', ask.runId).executeTakeFirst();
    if (!run) return undefined;
    const tenant = { applicationId: run.application_id, customerId: run.customer_id };
    await lockApplication(trx, run.application_id);
    await dropExpired(trx, run.application_id);
    const mine = await sql<{ lease_id: string | null; waiting_since: Date }>`
      insert into tenant_chunk_slots as s (run_id, application_id, customer_id, workflow_id, lease_id, waiting_since, expires_at)
      values (${ask.runId}, ${run.application_id}, ${run.customer_id}, ${ask.workflowId}, null,
        coalesce(${ask.waitingSince}::timestamptz, clock_timestamp()), clock_timestamp() + ${ask.waiterMs(1)}::float8 * interval '1 millisecond')
      on conflict (run_id) do update set workflow_id = excluded.workflow_id, waiting_since = least(s.waiting_since, excluded.waiting_since)
      returning lease_id, waiting_since
    `.execute(trx);
    const { lease_id: heldBy, waiting_since: waitingSince } = mine.rows[0]!;
    const grant = async () => {
      await sql`update tenant_chunk_slots set lease_id = ${ask.leaseId}, expires_at = clock_timestamp() + ${ask.leaseMs}::float8 * interval '1 millisecond' where run_id = ${ask.runId}`.execute(
        trx,
      );
      return { granted: true as const, ...tenant, waitingSince };
    };
    if (heldBy !== null) return grant();
    const { held, load, pos } = await standing(trx, run.application_id, ask.runId, ask.perCustomer);
    if (pos !== null && held + pos <= ask.perApplication) return grant();
    // How many chunks must end before this one's turn, and as how many waves of the cap that binds.
    const ahead = pos !== null ? held + pos - ask.perApplication : load! - ask.perCustomer;
    const waves = Math.max(1, Math.ceil(ahead / (pos !== null ? ask.perApplication : ask.perCustomer)));
    const waiterMs = ask.waiterMs(waves);
    await sql`update tenant_chunk_slots set expires_at = clock_timestamp() + ${waiterMs}::float8 * interval '1 millisecond' where run_id = ${ask.runId}`.execute(trx);
    return { granted: false as const, ...tenant, waitingSince, ahead, waves, waiterMs };
  });
}

/** Keeps a held slot for another `leaseMs`. False: the lease was lost (expired and dropped, or taken over by a later attempt). */
export async function renewChunkSlot(db: Db, runId: string, leaseId: string, leaseMs: number): Promise<boolean> {
  const r = await sql`
    update tenant_chunk_slots set expires_at = clock_timestamp() + ${leaseMs}::float8 * interval '1 millisecond'
    where run_id = ${runId} and lease_id = ${leaseId}
  `.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export interface WakeUp {
  runId: string;
  workflowId: string;
}

/**
 * Gives the slot back and answers the waiters that may now take one: the first eligible ones, as
 * many as the application has slots free. Nothing when the lease was no longer this attempt's.
 */
export async function releaseChunkSlot(db: Db, runId: string, leaseId: string, caps: SlotCaps): Promise<WakeUp[]> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('tenant_chunk_slots').where('run_id', '=', runId).where('lease_id', '=', leaseId).returning('application_id').executeTakeFirst();
    if (!gone) return [];
    await lockApplication(trx, gone.application_id);
    await dropExpired(trx, gone.application_id);
    const { rows } = await sql<WakeUp>`
      with ${ranked(gone.application_id, caps.perCustomer)}
      select run_id as "runId", workflow_id as "workflowId" from eligible
      where pos + (select count(*) from live where lease_id is not null) <= ${caps.perApplication}
      order by pos
    `.execute(trx);
    return rows;
  });
}

/** Drops a waiter that will not ask again (its workflow is gone). */
export async function forgetChunkSlotWaiter(db: Db, runId: string): Promise<void> {
  await db.deleteFrom('tenant_chunk_slots').where('run_id', '=', runId).where('lease_id', 'is', null).execute();
}
