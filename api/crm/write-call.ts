/** One CRM v2 write, addressed by its headers, carried out by the real-time write service. */
import type { Context } from 'hono';
import type { RealtimeWriteInput } from '../../services/writes/inputs';
import { writeRecord, type WrittenRecord } from '../../services/writes/realtime';
import type { AppDeps, AuthedEnv } from '../deps';

interface WriteHeaders {
  'x-customer-id': string;
  'x-provider-name': string;
  'idempotency-key'?: string | undefined;
}

/** The Idempotency-Key is passed through: a retry within 24 h gets the first outcome back, marked Idempotent-Replayed. */
export async function crmWrite(deps: AppDeps, c: Context<AuthedEnv>, headers: WriteHeaders, input: RealtimeWriteInput): Promise<WrittenRecord> {
  const key = headers['idempotency-key'];
  const { result, replayed } = await writeRecord(
    deps,
    c.get('applicationId'),
    headers['x-customer-id'],
    headers['x-provider-name'],
    input,
    key !== undefined ? { idempotencyKey: key } : {},
  );
  if (replayed) c.header('Idempotent-Replayed', 'true');
  return result;
}
