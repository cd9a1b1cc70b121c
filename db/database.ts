/** Typed view of the application database. Tables are added by migrations in db/migrations/. */
import type { ColumnType, Generated } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ApplicationsTable {
  id: Generated<string>;
  name: string;
  /** sha256 of the API key; the key itself is never stored. */
  api_key_hash: string;
  created_at: Generated<Timestamp>;
}

export interface Database {
  applications: ApplicationsTable;
}
