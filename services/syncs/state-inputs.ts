/**
 * What setting a connection's state (its bookmarks) takes: per object, the ISO 8601 cursor the next
 * incremental run reads from. Keys are the bookmark keys GET answers with (see state.ts).
 */
import { z } from 'zod';

/** ISO 8601: a date-time with a time zone (Z or ±hh:mm), or a date (midnight UTC). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export const isoCursorSchema = z
  .string({ error: 'cursor must be an ISO 8601 string' })
  .refine((v) => ISO_8601.test(v) && !Number.isNaN(Date.parse(v)), {
    error: 'cursor must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z) or a date (2026-01-31)',
  })
  .meta({ description: 'The incremental lower bound (inclusive) the next run reads from.', example: '2026-01-31T12:00:00Z' });

const bookmarkInput = z
  .strictObject(
    {
      cursor: isoCursorSchema,
      object_type: z.enum(['common', 'standard', 'custom']).optional().meta({ description: 'When given, must be the bookmark’s own.' }),
      object: z.string().optional().meta({ description: 'When given, must be the bookmark’s own.' }),
    },
    { error: (i) => (i.code === 'unrecognized_keys' ? `not settable: ${i.keys.join(', ')} (a bookmark sets only its cursor)` : 'a bookmark must be an object') },
  )
  .meta({ id: 'set_bookmark' });

export const setConnectionStateSchema = z
  .strictObject({
    bookmarks: z
      .record(z.string().min(1), bookmarkInput)
      .refine((b) => Object.keys(b).length > 0, { error: 'give at least one bookmark' })
      .meta({
        description: 'Bookmarks by key (the object name; `common/<name>` when a common object shares a standard or custom object’s name). Objects left out keep their state.',
      }),
  })
  .meta({
    id: 'set_connection_state',
    description: 'Syncwell extension: sets the cursor of some of the connection’s objects; their next run is incremental from it.',
    example: { bookmarks: { contacts: { cursor: '2026-01-31T12:00:00Z' } } },
  });

export type SetConnectionStateInput = z.infer<typeof setConnectionStateSchema>;

/** DELETE's query: one object, or (neither given) every object of the connection. */
export const deleteConnectionStateQuery = z
  .strictObject({
    object_type: z.enum(['common', 'standard', 'custom']).optional(),
    object: z.string().min(1).optional().meta({ description: 'The object whose state to delete (with object_type); every object when left out.' }),
  })
  .refine((q) => (q.object === undefined) === (q.object_type === undefined), { error: 'give object and object_type together, or neither', path: ['object'] });
