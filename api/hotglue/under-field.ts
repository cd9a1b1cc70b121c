import { InvalidInputError } from '../../lib/errors';
import { ApiError } from '../errors';

/**
 * Runs a service call whose input sits at `prefix` in this API's body: its field-level 400 names
 * the fields where the caller wrote them (`params.api_key` → `connector.config.params.api_key`).
 */
export async function underField<T>(prefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof InvalidInputError) || err.issues.length === 0) throw err;
    const fields = err.issues.map((i) => ({ field: i.path ? `${prefix}.${i.path}` : prefix, message: i.message, code: i.code }));
    throw new ApiError(400, 'VALIDATION_ERROR', err.summary ?? 'Invalid request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }
}
