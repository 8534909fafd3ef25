/**
 * `SCHEDULED_JOBS=off` keeps the cleanup jobs from running on their own (their endpoints still run
 * them on request). The end-to-end test sets it: a job firing between its writes and its request
 * would delete what the request is meant to count. Read when the decorators are evaluated, that
 * is when the module loads, so it must be in the environment at start.
 */
export function scheduledJobsOff(): boolean {
  return process.env.SCHEDULED_JOBS === 'off';
}
