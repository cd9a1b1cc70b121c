/**
 * Replay fixtures as JSON. Not the SDK's historyToJSON/historyFromJSON: under this install's npm
 * layout @temporalio/common and @temporalio/proto load separate protobufjs copies, and those
 * helpers fail with "type must be a Type". The History message's own toObject/fromObject work.
 */
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;

export function historyToFixture(history: unknown): { events: unknown[] } {
  const message = History.fromObject(history as Record<string, unknown>);
  return History.toObject(message, { longs: String, enums: String, bytes: String }) as { events: unknown[] };
}

/** A decoded History (Long event ids), which the replay worker takes as it is. */
export function historyFromFixture(fixture: unknown): proto.temporal.api.history.v1.History {
  return History.fromObject(fixture as Record<string, unknown>);
}
