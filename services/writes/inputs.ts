/**
 * What the write services take: one record (real-time write) or many (a write job), the object and
 * the operation. `id` in `.meta()` names the schema in the API reference.
 */
import { z } from 'zod';
import { COMMON_OBJECTS } from '../../providers/common-model/model';

/** The common objects that can be written (users are read-only). */
export const WRITABLE_COMMON_OBJECTS = COMMON_OBJECTS.filter((o) => o !== 'user');

const objectTypeSchema = z
  .enum(['common', 'standard', 'custom'])
  .meta({ description: "As in sync configs: `common` writes the common model, `standard` and `custom` the provider's own fields." });
const operationSchema = z.enum(['create', 'update', 'upsert']);
const matchSchema = z
  .object({ field: z.string().min(1).meta({ example: 'email' }) })
  .meta({ description: 'upsert: the field whose value finds the record (a unique or external-id field of the provider; `email` for common contacts and leads).' });
const recordSchema = z.record(z.string(), z.unknown());

type Target = { object_type: z.infer<typeof objectTypeSchema>; object: string; operation: z.infer<typeof operationSchema>; match?: { field: string } };

/** The checks that need more than one field: a common object that exists, an upsert's match. */
function checkTarget(t: Target, ctx: z.RefinementCtx): void {
  if (t.object_type === 'common' && !(WRITABLE_COMMON_OBJECTS as readonly string[]).includes(t.object)) {
    ctx.addIssue({ code: 'custom', path: ['object'], message: `common objects that can be written: ${WRITABLE_COMMON_OBJECTS.join(', ')}` });
  }
  if (t.operation === 'upsert' && !t.match) ctx.addIssue({ code: 'custom', path: ['match'], message: 'an upsert needs match.field: the field that finds the record' });
  if (t.operation !== 'upsert' && t.match) ctx.addIssue({ code: 'custom', path: ['match'], message: 'match is only for operation upsert' });
}

type Issue = { path: (string | number)[]; message: string };

/** One record's own checks: an update names its record, an upsert carries the match value. */
function recordIssues(t: Target, r: { record: Record<string, unknown>; id?: string }, path: (string | number)[]): Issue[] {
  const issues: Issue[] = [];
  if (t.operation === 'update' && r.id === undefined && (typeof r.record.id !== 'string' || r.record.id === '')) {
    issues.push({ path: [...path, 'id'], message: 'an update needs the provider id of the record: `id`, or `record.id`' });
  }
  const field = t.match?.field;
  if (t.operation === 'upsert' && field === 'email' && t.object_type === 'common') {
    if (!hasEmail(r.record)) issues.push({ path: [...path, 'record', 'email_addresses'], message: 'an upsert on email needs an email address in record.email_addresses' });
  } else if (t.operation === 'upsert' && field && (r.record[field] === undefined || r.record[field] === null)) {
    issues.push({ path: [...path, 'record', field], message: `an upsert on ${field} needs record.${field}` });
  }
  return issues;
}

const hasEmail = (record: Record<string, unknown>) =>
  Array.isArray(record.email_addresses) && record.email_addresses.some((e) => typeof (e as { email_address?: unknown })?.email_address === 'string');

export const realtimeWriteSchema = z
  .object({
    object_type: objectTypeSchema,
    object: z.string().min(1).meta({ example: 'contact' }),
    operation: operationSchema,
    record: recordSchema.meta({
      description: "The fields to write: the common model for common objects (`create_update_contact`, ...), the provider's own field names otherwise.",
    }),
    id: z.string().min(1).optional().meta({ description: 'update: the provider id of the record (else `record.id`).' }),
    match: matchSchema.optional(),
  })
  .superRefine((body, ctx) => {
    checkTarget(body, ctx);
    for (const issue of recordIssues(body, body, [])) ctx.addIssue({ code: 'custom', ...issue });
  })
  .meta({ id: 'realtime_write' });

export type RealtimeWriteInput = z.infer<typeof realtimeWriteSchema>;

/** At most this many records per write job. */
export const MAX_WRITE_JOB_RECORDS = 100_000;

export const writeJobSchema = z
  .object({
    object_type: objectTypeSchema,
    object: z.string().min(1).meta({ example: 'contact' }),
    operation: operationSchema,
    match: matchSchema.optional(),
    records: z
      .array(recordSchema)
      .min(1)
      .max(MAX_WRITE_JOB_RECORDS)
      .meta({ description: "The records, each as in a real-time write's `record`; an update's record carries its provider id in `id`." }),
  })
  .superRefine((body, ctx) => {
    checkTarget(body, ctx);
    // The first few offending records are enough to show what is wrong with all of them.
    let reported = 0;
    for (let i = 0; i < body.records.length && reported < 20; i++) {
      for (const issue of recordIssues(body, { record: body.records[i]! }, ['records', i])) {
        ctx.addIssue({ code: 'custom', ...issue });
        reported++;
      }
    }
  })
  .meta({ id: 'write_job_request' });

export type WriteJobInput = z.infer<typeof writeJobSchema>;
