import { sql, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { buildPage, type Cursor, type Page } from '../../lib/pagination';

/** A list's keyset order: a timestamptz column, the row id breaking ties, and which way the first page runs. */
export interface Keyset {
  at: string;
  id: string;
  newestFirst: boolean;
}

/** Microsecond-exact text of a timestamptz column: JS Dates keep only ms, which would break keyset paging. */
const exactTime = (col: string) => sql<string>`to_char(${sql.ref(col)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of `rows` in `order`: the rows past the cursor's edge row, plus one to tell whether there
 * are more. A "prev" page reads backwards from its edge row; buildPage puts it back in order.
 */
export async function keysetPage<DB, TB extends keyof DB, O extends { id: string }, T>(
  rows: SelectQueryBuilder<DB, TB, O>,
  order: Keyset,
  page: { size: number; cursor: Cursor | undefined },
  shape: (row: O) => T,
  /** The rows' count when the caller has it cheaper than counting them. */
  counted?: Promise<number>,
): Promise<Page<T>> {
  const { size, cursor } = page;
  const total =
    counted ??
    rows
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .$castTo<{ n: number | string }>()
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  const ascending = (cursor?.dir !== 'prev') !== order.newestFirst;
  // $castTo: TypeScript cannot resolve a selection's type on a generic query.
  let q = rows.select(exactTime(order.at).as('sort_key')).$castTo<O & { sort_key: string }>();
  if (cursor) {
    const [ts, id] = cursor.key;
    const cmp = ascending ? sql`>` : sql`<`;
    q = q.where(sql<SqlBool>`(${sql.ref(order.at)}, ${sql.ref(order.id)}) ${cmp} (${ts}::timestamptz, ${id}::uuid)`);
  }
  const direction = ascending ? 'asc' : 'desc';
  const [fetched, count] = await Promise.all([
    q
      .orderBy(sql.ref(order.at), direction)
      .orderBy(sql.ref(order.id), direction)
      .limit(size + 1)
      .execute(),
    total,
  ]);
  return buildPage(fetched, size, cursor, count, (r) => [r.sort_key, r.id], shape);
}
