import { afterAll, beforeAll } from 'vitest';
import { startTestApi, type ApiClient, type TestApi } from './api';

/**
 * The test API of this file with two tenants: `a`, and `b` for checks that one tenant cannot
 * reach another's data. Registers the beforeAll that starts them and the afterAll that closes
 * the API; the objects are filled in place by that beforeAll, so destructure them at the top of
 * the file and use them in tests and in hooks registered after this call.
 */
export function useTenants(): { api: TestApi; a: ApiClient; b: ApiClient } {
  const api = {} as TestApi;
  const a = {} as ApiClient;
  const b = {} as ApiClient;
  beforeAll(async () => {
    Object.assign(api, await startTestApi());
    Object.assign(a, await api.newTenant('a'));
    Object.assign(b, await api.newTenant('b'));
  });
  afterAll(() => api.close?.());
  return { api, a, b };
}
