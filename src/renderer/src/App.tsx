import { useCallback, useState } from 'react'
import { ActionIcon, AppShell, Center, Container, Group, Stack, Tabs, Text, Title, Tooltip } from '@mantine/core'
import { EngineStatus } from './features/status/EngineStatus'
import { StatusDot } from './features/status/StatusDot'
import { CollectionsSidebar } from './features/collections/CollectionsSidebar'
import { CollectionHeader } from './features/collections/CollectionHeader'
import { RecordsView } from './features/records/RecordsView'
import { QueryPanel } from './features/query/QueryPanel'
import { IngestPanel } from './features/ingest/IngestPanel'
import { SettingsButton } from './features/settings/SettingsButton'
import { JobsButton } from './features/jobs/JobsButton'
import { HealthPanel } from './features/health/HealthPanel'
import { MapPanel } from './features/map/MapPanel'
import { ConnectionPicker } from './features/connections/ConnectionPicker'
import { DatabaseSwitcher } from './features/databases/DatabaseSwitcher'
import { CollectionTransfer } from './features/transfer/CollectionTransfer'
import { ImportCollection } from './features/transfer/ImportCollection'
import { APP_KEY_ERROR } from '../../shared/constants'
import { AppKeyRequired } from './features/status/AppKeyRequired'
import { useAppEvents, useAppStatus } from './lib/data'
import { CallFailed } from './lib/transport'

export type CollectionTab = 'records' | 'query' | 'ingest' | 'health' | 'map'

/**
 * The layout: collections on the left, the selected collection's records, query and drag-in tabs on
 * the right. Each part lives in its feature folder; this file only places them.
 */
export function App() {
  const status = useAppStatus()
  useAppEvents()
  const [selected, setSelected] = useState<string | null>(null)
  const [tab, setTab] = useState<CollectionTab>('records')
  // "Find similar" on a record row: the Query tab runs it.
  const [similar, setSimilar] = useState<{ id: string; at: number } | null>(null)
  const select = useCallback((id: string | null) => {
    setSelected(id)
    setSimilar(null)
    setTab('records')
  }, [])

  if (status.error instanceof CallFailed && status.error.errorName === APP_KEY_ERROR) return <AppKeyRequired />
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 280, breakpoint: 0 }}
      padding="md"
      data-loaded={status.isSuccess ? 'true' : 'false'}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Title order={3} data-testid="app-name">
              {status.data?.app.name ?? 'Chromadesk'}
            </Title>
            <Text c="dimmed" size="sm">
              {status.data ? `v${status.data.app.version}` : ''}
            </Text>
          </Group>
          <Group gap="xs">
            <ConnectionPicker onChange={() => select(null)} />
            <DatabaseSwitcher onChange={() => select(null)} />
            <Tooltip label="Engine status">
              <ActionIcon variant="subtle" color="gray" aria-label="Engine status" onClick={() => select(null)}>
                <StatusDot ok={!status.isError} />
              </ActionIcon>
            </Tooltip>
            <JobsButton />
            <SettingsButton />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <Stack h="100%" justify="space-between" gap="xs">
          <CollectionsSidebar selectedId={selected} onSelect={select} />
          <ImportCollection />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        {selected === null ? (
          <Container size="sm">
            <Stack>
              <EngineStatus />
              <Center>
                <Text c="dimmed" data-testid="no-collection-selected">
                  Choose a collection on the left, or create one.
                </Text>
              </Center>
            </Stack>
          </Container>
        ) : (
          <Stack gap="sm" key={selected}>
            <CollectionHeader collectionId={selected} onDeleted={() => select(null)} />
            <CollectionTransfer collectionId={selected} />
            <Tabs
              value={tab}
              onChange={(value) => setTab((value as CollectionTab | null) ?? 'records')}
              keepMounted={false}
            >
              <Tabs.List>
                <Tabs.Tab value="records">Records</Tabs.Tab>
                <Tabs.Tab value="query">Query</Tabs.Tab>
                <Tabs.Tab value="map" data-testid="map-tab">
                  Map
                </Tabs.Tab>
                <Tabs.Tab value="ingest">Add documents</Tabs.Tab>
                <Tabs.Tab value="health" data-testid="health-tab">
                  Health
                </Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="records" pt="sm">
                <RecordsView
                  collectionId={selected}
                  onFindSimilar={(id) => {
                    setSimilar({ id, at: Date.now() })
                    setTab('query')
                  }}
                />
              </Tabs.Panel>
              <Tabs.Panel value="query" pt="sm">
                <QueryPanel collectionId={selected} similarRequest={similar} />
              </Tabs.Panel>
              <Tabs.Panel value="map" pt="sm">
                <MapPanel collectionId={selected} />
              </Tabs.Panel>
              <Tabs.Panel value="ingest" pt="sm">
                <IngestPanel collectionId={selected} onDone={() => setTab('records')} />
              </Tabs.Panel>
              <Tabs.Panel value="health" pt="sm">
                <HealthPanel collectionId={selected} />
              </Tabs.Panel>
            </Tabs>
          </Stack>
        )}
      </AppShell.Main>
    </AppShell>
  )
}
