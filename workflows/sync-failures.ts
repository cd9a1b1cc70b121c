/** Failure types shared by sync activities and workflows (no Node imports: workflow-safe). */
export const PAUSING_FAILURE = 'SyncPausingError';
export const SYNC_DELETED_FAILURE = 'SyncDeleted';
