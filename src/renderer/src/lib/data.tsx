import { createContext, useContext, useEffect, type ReactNode } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { AppEvent, IngestStatus } from '../../../shared/contract'
import type { Transport } from './transport'
import { queryKeys } from './query-keys'

const TransportContext = createContext<Transport | null>(null)

export function TransportProvider({ transport, children }: { transport: Transport; children: ReactNode }) {
  return <TransportContext.Provider value={transport}>{children}</TransportContext.Provider>
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
    refetchInterval: 5000
  })
}

/**
 * Turns main's push events into cache updates: collection changes refetch collection lists and
 * counts, record changes refetch exactly that collection's pages and queries, ingest progress lands
 * in the job's query. Mounted once, at the root.
 */
export function useAppEvents(onEvent?: (event: AppEvent) => void): void {
  const transport = useTransport()
  const queryClient = useQueryClient()
  useEffect(
    () =>
      transport.subscribe((event) => {
        switch (event.type) {
          case 'collections-changed':
            void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
            void queryClient.invalidateQueries({ queryKey: queryKeys.records.all })
            break
          case 'records-changed':
            void queryClient.invalidateQueries({ queryKey: queryKeys.records.of(event.collectionId) })
            void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
            break
          case 'ingest':
            queryClient.setQueryData<IngestStatus>(queryKeys.ingest(event.status.jobId), event.status)
            break
        }
        onEvent?.(event)
      }),
    [transport, queryClient, onEvent]
  )
}
