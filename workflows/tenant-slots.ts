/**
 * What a sync run and the chunk slots of its tenant say to each other (no Node imports:
 * workflow-safe). A waiting run sleeps until this signal or its recheck timer, whichever first.
 */
export const TENANT_SLOT_FREE_SIGNAL = 'tenantSlotFree';

/** A chunk that did not start: its tenant's slots are all taken or promised to earlier waiters. */
export interface ChunkSlotRefusal {
  /** When the run first asked (the database's clock, ISO): its place in line, carried to the next ask. */
  waitingSince: string;
  /** Ask again after this long at the latest (a wake-up signal usually comes first). */
  retryInMs: number;
  /** Chunks that must end before this one's turn. */
  ahead: number;
}
