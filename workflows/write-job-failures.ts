/** Failure types shared by write job activities and workflows (no Node imports: workflow-safe). */
/** The job's failure when no retry can help (credentials, an object the provider lacks): the workflow finishes the job failed. */
export const WRITE_JOB_FATAL = 'WriteJobFatal';
