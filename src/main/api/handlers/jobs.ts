// The app's job list for the UI: any window lists, follows and cancels the same jobs.
import type { Handlers } from '../dispatch.js'
import type { Jobs } from '../jobs.js'

export function jobHandlers(jobs: Jobs): Pick<Handlers, 'jobs.list' | 'jobs.status' | 'jobs.cancel'> {
  return {
    'jobs.list': async () => jobs.list(),
    'jobs.status': async ({ jobId }) => jobs.status(jobId),
    'jobs.cancel': async ({ jobId }) => jobs.cancel(jobId)
  }
}
