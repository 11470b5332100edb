import '@mantine/core/styles.css'
import '@mantine/notifications/styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { MantineProvider } from '@mantine/core'
import { Notifications } from '@mantine/notifications'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { App } from './App'
import { TransportProvider } from './lib/data'
import { detectTransport, retryUnlessRefused } from './lib/transport'

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: retryUnlessRefused } } })

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider defaultColorScheme="auto">
      <Notifications position="bottom-right" />
      <QueryClientProvider client={queryClient}>
        <TransportProvider transport={detectTransport()}>
          <App />
        </TransportProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>
)
