/**
 * The connection_rate_limits table: each statement is one atomic write of a connection's row, timed
 * by the database's clock (clock_timestamp(), read after the row lock is taken), so the processes'
 * own clocks never enter the budget.
 */
import { sql } from 'kysely';
import type { Db } from '../connection';

export interface RateLimitAsk {
  connectionId: string;
  /** Tokens per second; Infinity: no rate limit. */
  rate: number;
  burst: number;
  concurrency: number;
  leaseId: string;
  leaseMs: number;
}

export interface RateLimitAnswer {
  granted: boolean;
  /** Tokens left after the refill (and the one taken when granted). */
  tokens: number;
  /** Milliseconds until a pause ends; 0 when not paused. */
  pausedMs: number;
  /** Milliseconds until the earliest live lease expires; null when none is in flight. */
  nextExpiryMs: number | null;
}

/**
 * One request's ask: refills the bucket from the time elapsed, drops expired leases and, unless the
 * connection is paused, its leases are all taken or less than one token is left, takes a token and
 * a lease. The first ask of a connection inserts its row with a full bucket, minus the one it takes.
 * ON CONFLICT DO UPDATE locks the existing row before evaluating SET, so concurrent asks serialise
 * on it and each sees the one before.
 */
export async function acquireRateLimit(db: Db, ask: RateLimitAsk): Promise<RateLimitAnswer> {
  const rate = Number.isFinite(ask.rate) ? ask.rate : null;
  const { rows } = await sql<{ granted: boolean; tokens: number; paused_ms: number; next_expiry_ms: number | null }>`
    insert into connection_rate_limits as b (connection_id, tokens, refilled_at, leases)
    values (
      ${ask.connectionId}, ${ask.burst - 1}, clock_timestamp(),
      jsonb_build_object(${ask.leaseId}::text, extract(epoch from clock_timestamp()) * 1000 + ${ask.leaseMs})
    )
    on conflict (connection_id) do update set (tokens, refilled_at, leases) = (
      select
        t.tokens - case when g.granted then 1 else 0 end,
        n.now,
        case when g.granted then l.live || jsonb_build_object(${ask.leaseId}::text, n.ms + ${ask.leaseMs}) else l.live end
      from (select clock_timestamp() as now) n0
      cross join lateral (select n0.now, extract(epoch from n0.now) * 1000 as ms) n
      cross join lateral (
        select case when ${rate}::float8 is null then ${ask.burst}::float8
          else least(${ask.burst}::float8, b.tokens + greatest(0, extract(epoch from n.now - b.refilled_at)) * ${rate}::float8) end as tokens
      ) t
      cross join lateral (
        select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) as live, count(*) as count
        from jsonb_each(b.leases) e where (e.value)::float8 > n.ms
      ) l
      cross join lateral (
        select (b.paused_until is null or b.paused_until <= n.now) and l.count < ${ask.concurrency} and t.tokens >= 1 as granted
      ) g
    )
    returning
      leases ? ${ask.leaseId}::text as granted,
      tokens,
      greatest(0, coalesce(extract(epoch from paused_until - refilled_at) * 1000, 0))::float8 as paused_ms,
      (select min((e.value)::float8) from jsonb_each(leases) e) - extract(epoch from refilled_at) * 1000 as next_expiry_ms
  `.execute(db);
  const row = rows[0]!;
  return { granted: row.granted, tokens: row.tokens, pausedMs: row.paused_ms, nextExpiryMs: row.next_expiry_ms === null ? null : Number(row.next_expiry_ms) };
}

export async function releaseRateLimitLease(db: Db, connectionId: string, leaseId: string): Promise<void> {
  await sql`update connection_rate_limits set leases = leases - ${leaseId}::text where connection_id = ${connectionId}`.execute(db);
}

/** Nothing is granted on the connection for `ms`; a longer pause already set stays. */
export async function pauseRateLimit(db: Db, connectionId: string, ms: number): Promise<void> {
  await sql`
    update connection_rate_limits
    set paused_until = greatest(paused_until, clock_timestamp() + ${ms}::float8 * interval '1 millisecond')
    where connection_id = ${connectionId}
  `.execute(db);
}

/**
 * Extends the connection's leases named in `renewals` (lease id → milliseconds from now) and
 * returns those it found. Only leases still in the row are extended: one released, or dropped
 * as expired by another process's ask, stays gone. Never shortens a lease.
 */
export async function renewRateLimitLeases(db: Db, connectionId: string, renewals: Record<string, number>): Promise<string[]> {
  const json = JSON.stringify(renewals);
  const { rows } = await sql<{ renewed: string[] }>`
    update connection_rate_limits b set leases = (
      select coalesce(jsonb_object_agg(e.key, case when r.value is null then e.value else to_jsonb(greatest((e.value)::float8, n.ms + (r.value)::float8)) end), '{}'::jsonb)
      from jsonb_each(b.leases) e
      cross join (select extract(epoch from clock_timestamp())::float8 * 1000 as ms) n
      left join jsonb_each(${json}::jsonb) r on r.key = e.key
    )
    where connection_id = ${connectionId}
    returning array(select k from jsonb_object_keys(${json}::jsonb) k where b.leases ? k) as renewed
  `.execute(db);
  return rows[0]?.renewed ?? [];
}

/** Deleted connections' rows: each one's own bucket and those keyed `<connection id>:<name>` (HubSpot search's). */
export async function deleteRateLimitsOf(db: Db, connectionIds: readonly string[]): Promise<void> {
  if (connectionIds.length === 0) return;
  const ids = [...connectionIds];
  await sql`delete from connection_rate_limits where connection_id = any(${ids}::text[]) or split_part(connection_id, ':', 1) = any(${ids}::text[])`.execute(db);
}
