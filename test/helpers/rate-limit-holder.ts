/**
 * A process that takes one concurrency lease of a connection from the shared store and holds it
 * (as a request in flight would) until it is killed: `tsx rate-limit-holder.ts <databaseUrl>
 * <connectionId> <leaseTtlMs>`. Prints the lease id once it holds it.
 */
import { createDb } from '../../db/connection';
import { createSharedRateLimits } from '../../services/connections/shared-rate-limits';

const [databaseUrl, connectionId, leaseTtlMs] = process.argv.slice(2);
const store = createSharedRateLimits(createDb(databaseUrl!, 1), { leaseTtlMs: Number(leaseTtlMs) });
const decision = await store.acquire(connectionId!, { requestsPerSecond: Infinity, burst: 100, concurrency: 1 }, 10 * 60_000);
if (!decision.granted) throw new Error(`not granted: ${decision.reason}`);
process.stdout.write(`${decision.lease}\n`);
// The renewal timer is unref'd: this keeps the process alive as a request in flight would.
setInterval(() => undefined, 60_000);
