import { Alert, Badge, Card, Group, Loader, Stack, Table, Text } from '@mantine/core'
import { useAppStatus } from '../../lib/data'
import { CompactDatabase } from '../health/HealthPanel'

/** The engine's heartbeat and facts, as the data layer reports them. */
export function EngineStatus() {
  const status = useAppStatus()
  if (status.isPending) {
    return (
      <Group>
        <Loader size="sm" />
        <Text>Connecting to the engine…</Text>
      </Group>
    )
  }
  if (status.isError) {
    return (
      <Alert color="red" title="The engine is not answering" data-testid="engine-error">
        {status.error.message}
      </Alert>
    )
  }
  const { app, engine, transport } = status.data
  return (
    <Card withBorder padding="lg" data-testid="engine-status" data-heartbeat={engine.heartbeat}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600}>Engine</Text>
          <Badge color="green" variant="light" data-testid="engine-state">
            running
          </Badge>
        </Group>
        <Table variant="vertical" withTableBorder={false}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={180}>App version</Table.Th>
              <Table.Td data-testid="app-version">{app.version}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Chroma API version</Table.Th>
              <Table.Td>{engine.version}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Storage</Table.Th>
              <Table.Td>{engine.mode === 'persistent' ? engine.path : 'in memory'}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Collections</Table.Th>
              <Table.Td data-testid="engine-collections">{engine.collections}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Heartbeat</Table.Th>
              <Table.Td data-testid="heartbeat">
                {new Date(Number(BigInt(engine.heartbeat) / 1_000_000n)).toISOString()}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Connected through</Table.Th>
              <Table.Td>{transport === 'ipc' ? 'desktop window (IPC)' : 'local server (HTTP)'}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        {engine.mode === 'persistent' && <CompactDatabase />}
      </Stack>
    </Card>
  )
}
