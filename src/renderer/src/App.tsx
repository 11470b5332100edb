import { AppShell, Container, Group, Stack, Text, Title } from '@mantine/core'
import { EngineStatus } from './features/status/EngineStatus'
import { useAppStatus } from './lib/data'

export function App() {
  const status = useAppStatus()
  return (
    <AppShell header={{ height: 56 }} padding="md" data-loaded={status.isSuccess ? 'true' : 'false'}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3} data-testid="app-name">
            {status.data?.app.name ?? 'Chromadesk'}
          </Title>
          <Text c="dimmed" size="sm">
            {status.data ? `v${status.data.app.version}` : ''}
          </Text>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="sm">
          <Stack>
            <EngineStatus />
          </Stack>
        </Container>
      </AppShell.Main>
    </AppShell>
  )
}
