/**
 * The CRUD entities and schemas share: a name unique per application and a config. What
 * differs stays with each kind: its config type, what else an update touches, and what keeps
 * a row from being deleted.
 */
import { ConflictError, NotFoundError } from '../../lib/errors';
import { isUniqueViolation } from '../../lib/ids';
import type { Db } from '../../db/connection';
import * as repo from '../../db/repositories/named-configs';
import type { ServiceDeps } from '../deps';

export interface NamedConfigKind {
  table: repo.NamedConfigTable;
  /** The resource of its NotFoundError and the subject of its messages: 'Entity'. */
  resource: string;
  /** How a name conflict starts: 'An entity'. */
  indefinite: string;
}

export interface NamedConfigInput<C> {
  name: string;
  config: C;
}

export function namedConfigs<C>(kind: NamedConfigKind) {
  const toResponse = (row: repo.NamedConfigRow) => ({ id: row.id, application_id: row.application_id, name: row.name, config: row.config as unknown as C });
  const notFound = (id: string) => new NotFoundError(kind.resource, `${kind.resource} ${id} not found`);
  const nameTaken = async <T>(name: string, write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${kind.indefinite} named "${name}" already exists`);
      throw err;
    }
  };

  return {
    async list(deps: ServiceDeps, applicationId: string) {
      return (await repo.listNamedConfigs(deps.db, kind.table, applicationId)).map(toResponse);
    },

    async get(deps: ServiceDeps, applicationId: string, id: string) {
      const row = await repo.findNamedConfig(deps.db, kind.table, applicationId, id);
      if (!row) throw notFound(id);
      return toResponse(row);
    },

    async create(deps: ServiceDeps, applicationId: string, input: NamedConfigInput<C>) {
      const values = { application_id: applicationId, name: input.name, config: JSON.stringify(input.config) };
      return toResponse(await nameTaken(input.name, repo.insertNamedConfig(deps.db, kind.table, values)));
    },

    async update(deps: ServiceDeps, applicationId: string, id: string, input: NamedConfigInput<C>) {
      const values = { name: input.name, config: JSON.stringify(input.config) };
      const row = await nameTaken(input.name, repo.updateNamedConfig(deps.db, kind.table, applicationId, id, values));
      if (!row) throw notFound(id);
      return toResponse(row);
    },

    /** Deletes the row in one transaction with `assertUnused`, which throws a ConflictError while something still uses it. */
    async delete(deps: ServiceDeps, applicationId: string, id: string, assertUnused: (trx: Db, row: repo.NamedConfigRow) => Promise<void>): Promise<void> {
      await deps.db.transaction().execute(async (trx) => {
        const row = await repo.findNamedConfig(trx, kind.table, applicationId, id);
        if (!row) throw notFound(id);
        await assertUnused(trx, row);
        await repo.deleteNamedConfig(trx, kind.table, applicationId, row.id);
      });
    },
  };
}
