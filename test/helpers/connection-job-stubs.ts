/** Stub activities for the connection verify and delete workflows: what each step answers, and what was called. */
import { Context } from '@temporalio/activity';
import type { ConnectionJobActivities } from '../../activities/connection-jobs';

export interface ConnectionJobStubOptions {
  /** verifyConnection's answer; `lost`: every attempt throws (a worker lost each time). */
  verify?: 'succeeded' | 'failed' | 'lost';
  /** How many polls see a run in progress before it ends (Infinity: it never does). */
  runningPolls?: number;
  /** This delete step's attempts all throw. */
  lostStep?: 'stopConnectionSchedules' | 'finishConnectionDelete';
}

export function stubConnectionJobActivities(opts: ConnectionJobStubOptions) {
  const calls = { verify: 0, polls: 0, stopped: 0, finished: 0, failed: [] as string[] };
  const lose = (step: string) => {
    throw new Error(`${step} attempt ${Context.current().info.attempt} lost`);
  };
  const activities: ConnectionJobActivities = {
    async verifyConnection() {
      calls.verify++;
      if (opts.verify === 'lost') lose('verify');
      return opts.verify === 'failed' ? 'failed' : 'succeeded';
    },
    async failConnectionVerify(input) {
      calls.failed.push(input.error);
    },
    async stopConnectionSchedules() {
      calls.stopped++;
      if (opts.lostStep === 'stopConnectionSchedules') lose('stop');
    },
    async connectionRunsStopped() {
      calls.polls++;
      return calls.polls > (opts.runningPolls ?? 0);
    },
    async finishConnectionDelete() {
      calls.finished++;
      if (opts.lostStep === 'finishConnectionDelete') lose('finish');
    },
    async failConnectionDelete(input) {
      calls.failed.push(input.error);
    },
  };
  return { activities, calls };
}
