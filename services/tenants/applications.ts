import { generateApiKey, hashApiKey } from '../../lib/api-keys';
import type { Db } from '../../db/connection';
import { countApplications, findApplicationByKeyHash, insertApplication } from '../../db/repositories/applications';

export async function createApplication(db: Db, name: string): Promise<{ id: string; name: string; apiKey: string }> {
  const apiKey = generateApiKey();
  const app = await insertApplication(db, { name, api_key_hash: hashApiKey(apiKey) });
  return { id: app.id, name: app.name, apiKey };
}

export function authenticateApiKey(db: Db, apiKey: string) {
  return findApplicationByKeyHash(db, hashApiKey(apiKey));
}

/**
 * Start-up bootstrap: with API_KEY set, make sure an application owns it; without,
 * create a first application once and hand its key back to be printed.
 */
export async function ensureDefaultApplication(db: Db, configuredKey: string | undefined): Promise<{ apiKey: string | undefined; created: boolean }> {
  if (configuredKey) {
    const existing = await findApplicationByKeyHash(db, hashApiKey(configuredKey));
    if (existing) return { apiKey: configuredKey, created: false };
    await insertApplication(db, { name: 'default', api_key_hash: hashApiKey(configuredKey) });
    return { apiKey: configuredKey, created: true };
  }
  if ((await countApplications(db)) > 0) return { apiKey: undefined, created: false };
  const created = await createApplication(db, 'default');
  return { apiKey: created.apiKey, created: true };
}
