import { describe, expect, it, vi } from 'vitest'
import type { AppEvent, JobStatus } from '../../shared/contract.js'
import { PortabilityError } from '../portability/index.js'
import { Jobs } from './jobs.js'

function recorder() {
  const events: JobStatus[] = []
  return { events, sink: { emit: (e: AppEvent) => void (e.type === 'job' && events.push(e.status)) } }
}

describe('Jobs', () => {
  it('runs a job to its result, with a start and an end event', async () => {
    const { events, sink } = recorder()
    const jobs = new Jobs(sink)
    const started = jobs.start({
      kind: 'backup',
      title: 'Back up',
      unit: 'bytes',
      run: async ({ progress }) => {
        progress(5, 10, 'copying')
        return { bytes: 10 }
      }
    })
    expect(started.state).toBe('running')
    const end = await jobs.settled(started.jobId)
    expect(end).toMatchObject({ state: 'done', result: { bytes: 10 }, done: 5, total: 10, phase: 'copying' })
    expect(end.finishedAt).not.toBeNull()
    expect(events[0]?.state).toBe('running')
    expect(events.at(-1)?.state).toBe('done')
  })

  it('reports a failure written for the user with its message, any other as a logged generic one', async () => {
    const jobs = new Jobs(recorder().sink)
    const { jobId } = jobs.start({
      kind: 'restore',
      title: 'Restore',
      unit: 'bytes',
      run: async () => {
        throw new PortabilityError('The backup is damaged')
      }
    })
    expect(await jobs.settled(jobId)).toMatchObject({ state: 'failed', error: 'The backup is damaged' })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const other = jobs.start({
      kind: 'restore',
      title: 'Restore',
      unit: 'bytes',
      run: async () => {
        throw new Error('SQLITE_IOERR at /home/someone/data/chroma.sqlite3')
      }
    })
    const end = await jobs.settled(other.jobId)
    expect(end.error).toMatch(/^Internal error \(request [0-9a-f-]+\); the server's log has the details$/)
    expect(String(logged.mock.calls[0]?.[1])).toContain('SQLITE_IOERR')
    logged.mockRestore()
  })

  it('cancels through the signal, and lists running jobs first', async () => {
    const jobs = new Jobs(recorder().sink)
    const quick = jobs.start({ kind: 'compact', title: 'quick', unit: 'bytes', run: async () => ({}) })
    await jobs.settled(quick.jobId)
    const slow = jobs.start({
      kind: 'rebuild',
      title: 'slow',
      unit: 'records',
      run: ({ signal }) =>
        new Promise<Record<string, unknown>>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('rebuild cancelled')))
        )
    })
    expect(jobs.list().map((j) => j.title)).toEqual(['slow', 'quick'])
    await new Promise((r) => setTimeout(r, 10))
    jobs.cancel(slow.jobId)
    expect(await jobs.settled(slow.jobId)).toMatchObject({ state: 'cancelled', error: 'slow: cancelled' })
    expect(() => jobs.status('nope')).toThrow(/does not exist/)
  })

  it('close() cancels what runs and waits for it', async () => {
    const jobs = new Jobs(recorder().sink)
    let stopped = false
    const { jobId } = jobs.start({
      kind: 'clone',
      title: 'clone',
      unit: 'records',
      run: ({ signal }) =>
        new Promise<Record<string, unknown>>((_, reject) =>
          signal.addEventListener('abort', () => {
            stopped = true
            reject(new Error('cancelled'))
          })
        )
    })
    await new Promise((r) => setTimeout(r, 10))
    await jobs.close()
    expect(stopped).toBe(true)
    expect(jobs.status(jobId).state).toBe('cancelled')
  })
})

describe('Jobs cancelled before they begin', () => {
  it('never run their body', async () => {
    const jobs = new Jobs(recorder().sink)
    let ran = false
    const { jobId } = jobs.start({
      kind: 'backup',
      title: 'Back up',
      unit: 'bytes',
      run: async () => {
        ran = true
        return {}
      }
    })
    jobs.cancel(jobId)
    expect(await jobs.settled(jobId)).toMatchObject({ state: 'cancelled', error: 'Back up: cancelled' })
    expect(ran).toBe(false)
  })
})

describe('a job whose result cannot travel to a window', () => {
  it('ends as failed, instead of a rejection nobody handles', async () => {
    vi.spyOn(console, 'error').mockImplementationOnce(() => undefined)
    const { events, sink } = recorder()
    const jobs = new Jobs(sink)
    const { jobId } = jobs.start({
      kind: 'backup',
      title: 'Back up',
      unit: 'bytes',
      run: async () => ({ close: () => undefined })
    })
    const end = await jobs.settled(jobId)
    expect(end).toMatchObject({ state: 'failed', result: null })
    expect(end.error).toMatch(/^Internal error/)
    expect(events.at(-1)?.state).toBe('failed')
  })
})
