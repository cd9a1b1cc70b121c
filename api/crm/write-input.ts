/**
 * A CRM v2 action (its body, path and object) as the real-time write service takes it. The checks
 * the service's own schema makes (an upsert's email present, the common object writable) run here
 * too, so a CRM request fails the same way as the `_write` extension.
 */
import { SchemaValidationError } from '../../lib/errors';
import { type RealtimeWriteInput, realtimeWriteSchema } from '../../services/writes/inputs';
import { validationError } from '../validation';
import { notImplemented } from './not-implemented';

type ObjectType = RealtimeWriteInput['object_type'];
type Target = { objectType: ObjectType; object: string };

function checked(input: unknown): RealtimeWriteInput {
  const parsed = realtimeWriteSchema.safeParse(input);
  if (!parsed.success) throw validationError('json', parsed.error);
  return parsed.data;
}

export const createInput = (t: Target, record: Record<string, unknown>) => checked({ object_type: t.objectType, object: t.object, operation: 'create', record });

export const updateInput = (t: Target, id: string, record: Record<string, unknown>) => checked({ object_type: t.objectType, object: t.object, operation: 'update', id, record });

type EmailEntry = { email_address?: unknown; email_address_type?: unknown };

/**
 * `upsert_on: { key: 'email', values: [email] }` → an upsert matched on email. The providers match
 * on the email the record is written with (its primary one, else its first), one value per record:
 * so exactly one value is taken, and it becomes the record's email when the record lists none. Several
 * values (the reference's logical OR) and a record whose primary email is another one are requests
 * the providers cannot carry out as asked: 501, rather than matching on part of them.
 */
export function upsertByEmailInput(t: Target, record: Record<string, unknown>, values: readonly string[]): RealtimeWriteInput {
  if (values.length === 0) throw new SchemaValidationError('json', [{ path: 'upsert_on.values', message: 'an upsert on email needs the email to match', code: 'too_small' }]);
  if (values.length > 1) throw notImplemented(`Upserting on several emails (a logical OR) is not implemented: give one value in upsert_on.values, not ${values.length}`);
  const email = values[0]!;
  const listed = Array.isArray(record.email_addresses) ? (record.email_addresses as EmailEntry[]) : [];
  const primary = listed.find((e) => e?.email_address_type === 'primary') ?? listed[0];
  let written = record;
  if (!primary) written = { ...record, email_addresses: [{ email_address: email, email_address_type: 'primary' }] };
  else if (typeof primary.email_address !== 'string' || primary.email_address.toLowerCase() !== email.toLowerCase())
    throw notImplemented(
      `Matching on ${email} while writing another primary email (${String(primary.email_address)}) is not implemented: the providers match on the email they write`,
    );
  return checked({ object_type: t.objectType, object: t.object, operation: 'upsert', match: { field: 'email' }, record: written });
}
