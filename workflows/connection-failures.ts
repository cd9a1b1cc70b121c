import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The innermost message of an activity's failure, for a job's error. */
export function failureDetail(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
}
