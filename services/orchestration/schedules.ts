import { ScheduleAlreadyRunning, type Client, type ScheduleHandle, type ScheduleOptions } from '@temporalio/client';

/**
 * The one way to put a Temporal Schedule in place: create it; if it exists already, hand it to
 * `updateExisting`, since only its owner knows which fields of an existing schedule may have
 * drifted and must be brought back (a schedule's memo, for one, cannot be updated at all).
 */
export async function upsertSchedule(client: Client, options: ScheduleOptions, updateExisting: (handle: ScheduleHandle) => Promise<void>): Promise<'created' | 'updated'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await updateExisting(client.schedule.getHandle(options.scheduleId));
  return 'updated';
}
