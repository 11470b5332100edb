import { createContext, useContext, type ReactNode } from 'react'
import { useQuery } from '@tanstack/react-query'
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
