/**
 * The cross-process half of single-flight token refresh (providers' CredentialLock): a
 * transaction-scoped Postgres advisory lock per connection, the credentials re-read (decrypted)
 * under it, and the refreshed ones merged and re-encrypted before the lock is released. The
 * advisory lock (not FOR UPDATE for the whole refresh) keeps the connection row writable by the
 * API while a token request is in flight; the final merge takes the row lock briefly.
 */
import type { Db } from '../../db/connection';
import { findConnectionById, findConnectionByIdForUpdate, lockConnectionCredentials, updateConnection } from '../../db/repositories/connections';
import type { SecretBox } from '../../lib/crypto';
import { ProviderError } from '../../providers/errors';
import type { CredentialLock } from '../../providers/types';

export function credentialLockFor(db: Db, secrets: SecretBox, applicationId: string, connectionId: string): CredentialLock {
  return (fn) =>
    db.transaction().execute(async (trx) => {
      await lockConnectionCredentials(trx, connectionId);
      const read = async (lock: boolean) => {
        const row = await (lock ? findConnectionByIdForUpdate : findConnectionById)(trx, applicationId, connectionId);
        if (!row) throw new ProviderError('configuration', `connection ${connectionId} no longer exists`);
        return row.credentials_encrypted ? (secrets.decryptJson(row.credentials_encrypted) as Record<string, unknown>) : {};
      };
      const current = await read(false);
      const next = await fn(current);
      if (!next) return current;
      const merged = await read(true);
      for (const [key, value] of Object.entries(next)) {
        if (value === null) delete merged[key];
        else if (value !== undefined) merged[key] = value;
      }
      await updateConnection(trx, applicationId, connectionId, { credentials_encrypted: secrets.encryptJson(merged) });
      return merged;
    });
}
