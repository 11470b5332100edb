import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import type { CopyStatus, IngestStatus, JobStatus } from '../../../shared/contract'
import { APP_KEY_ERROR, isConnectionScoped, LOCAL_CONNECTION } from '../../../shared/constants'
import { CallFailed, type Transport } from './transport'
import { queryKeys } from './query-keys'

const TransportContext = createContext<Transport | null>(null)
const ConnectionContext = createContext<{ connection: string; setConnection: (id: string) => void } | null>(null)

/**
 * Provides the transport, with the active connection added to every call that acts on one
 * connection's data: features call `useTransport().call(...)` the same way whichever database the
 * user has chosen. Switching connection drops every cached query (ids are per server).
 */
export function TransportProvider({ transport, children }: { transport: Transport; children: ReactNode }) {
  const queryClient = useQueryClient()
  const [connection, setActive] = useState(LOCAL_CONNECTION)
  const scoped = useMemo<Transport>(
    () => ({
      kind: transport.kind,
      subscribe: transport.subscribe,
      ...(transport.download ? { download: transport.download } : {}),
      call: (channel, input) =>
        transport.call(
          channel,
          isConnectionScoped(channel) && connection !== LOCAL_CONNECTION
            ? ({ ...(input as object), connection } as typeof input)
            : input
        )
    }),
    [transport, connection]
  )
  const setConnection = useCallback(
    (id: string) => {
      setActive(id)
      // Removed, not reset: a reset would refetch at once, before the new connection reaches the views.
      dropDatabaseData(queryClient, 'remove')
    },
    [queryClient]
  )
  const value = useMemo(() => ({ connection, setConnection }), [connection, setConnection])
  return (
    <TransportContext.Provider value={scoped}>
      <ConnectionContext.Provider value={value}>{children}</ConnectionContext.Provider>
    </TransportContext.Provider>
  )
}

/**
 * Forgets what was read from the database the UI worked on (ids are per database): on any switch.
 * A database switch resets: a query removed from the cache under a mounted view (the sidebar's list)
 * leaves that view on the removed query, showing nothing new until something else refetches it; a
 * reset query goes back to loading and is fetched again at once for the new database. A connection
 * switch removes (see setConnection).
 */
export function dropDatabaseData(queryClient: QueryClient, how: 'reset' | 'remove' = 'reset'): void {
  for (const queryKey of [queryKeys.collections.all, queryKeys.records.all]) {
    if (how === 'reset') void queryClient.resetQueries({ queryKey })
    else queryClient.removeQueries({ queryKey })
  }
}

/** The connection the UI works on ('local' = the built-in database) and how to switch it. */
export function useConnection(): { connection: string; setConnection: (id: string) => void } {
  const value = useContext(ConnectionContext)
  if (!value) throw new Error('useConnection outside TransportProvider')
  return value
}

export function useTransport(): Transport {
  const transport = useContext(TransportContext)
  if (!transport) throw new Error('useTransport outside TransportProvider')
  return transport
}

/** The engine's status; refetched every few seconds as a heartbeat. */
export function useAppStatus() {
  const transport = useTransport()
  return useQuery({
    queryKey: queryKeys.status(),
    queryFn: async () => ({ ...(await transport.call('system.status', {})), transport: transport.kind }),
    refetchInterval: 5000,
    // A page without the server run's key will not get in by retrying.
    retry: (failures, error) => !(error instanceof CallFailed && error.errorName === APP_KEY_ERROR) && failures < 3
  })
}

/**
 * Turns main's push events into cache updates: collection changes refetch collection lists and
 * counts, record changes refetch exactly that collection's pages and queries, ingest progress lands
 * in the job's query. Mounted once, at the root.
 */
export function useAppEvents(): void {
  // Only `subscribe`, which stays the same across connection switches (the scoped transport reuses
  // the base one), so switching connection does not drop and reopen the event stream.
  const { subscribe } = useTransport()
  const queryClient = useQueryClient()
  useEffect(
    () =>
      subscribe((event) => {
        switch (event.type) {
          case 'collections-changed':
            void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
            void queryClient.invalidateQueries({ queryKey: queryKeys.records.all })
            // The engine card counts collections too: in step with the sidebar, not at the next heartbeat.
            void queryClient.invalidateQueries({ queryKey: queryKeys.status() })
            break
          case 'records-changed':
            void queryClient.invalidateQueries({ queryKey: queryKeys.records.of(event.collectionId) })
            void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
            break
          case 'ingest':
            queryClient.setQueryData<IngestStatus>(queryKeys.ingest(event.status.jobId), event.status)
            break
          case 'copy':
            queryClient.setQueryData<CopyStatus>(queryKeys.copy(event.status.jobId), event.status)
            break
          case 'job':
            queryClient.setQueryData<JobStatus[]>(queryKeys.jobs(), (jobs) => upsertJob(jobs, event.status))
            break
          case 'connections-changed':
            void queryClient.invalidateQueries({ queryKey: queryKeys.connections() })
            break
        }
      }),
    [subscribe, queryClient]
  )
}

/** The job list with one job's new status in place (a new job goes first). */
export function upsertJob(jobs: JobStatus[] | undefined, status: JobStatus): JobStatus[] | undefined {
  // Before the list was first fetched there is nothing to update: the fetch brings every job.
  if (!jobs) return jobs
  const at = jobs.findIndex((j) => j.jobId === status.jobId)
  if (at === -1) return [status, ...jobs]
  return jobs.map((j, i) => (i === at ? status : j))
}

/** The app's jobs (backup, restore, rebuild, clone), kept current by push events. */
export function useJobs() {
  const transport = useTransport()
  return useQuery({ queryKey: queryKeys.jobs(), queryFn: () => transport.call('jobs.list', {}) })
}
