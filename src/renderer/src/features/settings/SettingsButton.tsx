import { useCallback, useState } from 'react'
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Divider,
  Group,
  Loader,
  Modal,
  NumberInput,
  SegmentedControl,
  Stack,
  Switch,
  Tabs,
  Text,
  TextInput,
  Title,
  Tooltip,
  useMantineColorScheme,
  type MantineColorScheme
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { AppSettings } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { endpointOf, maskToken, snippets } from './snippets'
import { BackupRestore } from '../backup/BackupRestore'
import { ModelsPanel } from '../models/ModelsPanel'
import { useOpenModelManagerRequests } from '../models/open-model-manager'

/** The header's settings button and the modal it opens. */
export function SettingsButton() {
  const [opened, setOpened] = useState(false)
  const [atModels, setAtModels] = useState(false)
  useOpenModelManagerRequests(
    useCallback(() => {
      setAtModels(true)
      setOpened(true)
    }, [])
  )
  return (
    <>
      <Tooltip label="Settings">
        <ActionIcon
          variant="subtle"
          aria-label="Settings"
          onClick={() => setOpened(true)}
          data-testid="settings-button"
        >
          ⚙
        </ActionIcon>
      </Tooltip>
      <Modal
        opened={opened}
        onClose={() => {
          setOpened(false)
          setAtModels(false)
        }}
        title="Settings"
        size="lg"
        // The test id goes on the dialog itself: the Modal root element has no box of its own.
        attributes={{ content: { 'data-testid': 'settings' } }}
      >
        {opened && <SettingsContent atModels={atModels} />}
      </Modal>
    </>
  )
}

function SettingsContent({ atModels }: { atModels: boolean }) {
  const transport = useTransport()
  return (
    <Stack gap="lg" data-testid="settings-content">
      <ColorSchemeSetting />
      <Divider />
      {transport.kind === 'ipc' ? <DesktopSettings /> : <BrowserSettings />}
      <Divider />
      <BackupRestore />
      <Divider />
      <ModelsPanel scrollIntoView={atModels} />
    </Stack>
  )
}

function ColorSchemeSetting() {
  const { colorScheme, setColorScheme } = useMantineColorScheme()
  return (
    <Stack gap={4}>
      <Text fw={600}>Appearance</Text>
      <SegmentedControl
        value={colorScheme}
        onChange={(v) => setColorScheme(v as MantineColorScheme)}
        data={[
          { value: 'auto', label: 'System' },
          { value: 'light', label: 'Light' },
          { value: 'dark', label: 'Dark' }
        ]}
        data-testid="settings-color-scheme"
      />
      <Text size="xs" c="dimmed">
        System follows your operating system&apos;s light or dark mode.
      </Text>
    </Stack>
  )
}

function Copy({ value, label = 'Copy', testId }: { value: string; label?: string; testId?: string }) {
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <Button
          size="compact-xs"
          variant="light"
          color={copied ? 'teal' : undefined}
          onClick={copy}
          data-testid={testId}
        >
          {copied ? 'Copied' : label}
        </Button>
      )}
    </CopyButton>
  )
}

/** curl / Python / JavaScript snippets; the token is masked on screen unless shown, copied in full. */
function Snippets({ url, token, showToken }: { url: string; token: string | null; showToken: boolean }) {
  const endpoint = endpointOf(url)
  const real = snippets(endpoint, token)
  const shown = snippets(endpoint, token && !showToken ? maskToken(token) : token)
  return (
    <Tabs defaultValue="curl" data-testid="settings-snippets">
      <Tabs.List>
        {real.map((s) => (
          <Tabs.Tab key={s.id} value={s.id}>
            {s.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {real.map((s, i) => (
        <Tabs.Panel key={s.id} value={s.id} pt="xs">
          <Stack gap={4}>
            <Code block data-testid={`snippet-${s.id}`} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {shown[i]?.code}
            </Code>
            <Group justify="flex-end">
              <Copy value={s.code} testId={`snippet-${s.id}-copy`} />
            </Group>
          </Stack>
        </Tabs.Panel>
      ))}
    </Tabs>
  )
}

function TokenField({
  token,
  shown,
  onToggle,
  onRegenerate,
  regenerating
}: {
  token: string
  shown: boolean
  onToggle: () => void
  onRegenerate?: () => void
  regenerating?: boolean
}) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        Token
      </Text>
      <Group gap="xs">
        <Code data-testid="settings-token">{shown ? token : maskToken(token)}</Code>
        <Button size="compact-xs" variant="subtle" onClick={onToggle} data-testid="settings-token-toggle">
          {shown ? 'Hide' : 'Show'}
        </Button>
        <Copy value={token} testId="settings-token-copy" />
        {onRegenerate && (
          <Button
            size="compact-xs"
            variant="subtle"
            color="red"
            onClick={onRegenerate}
            loading={regenerating}
            data-testid="settings-token-regenerate"
          >
            Regenerate
          </Button>
        )}
      </Group>
    </Stack>
  )
}

/** What browser mode's snippets show where the token goes: the page never holds Chroma's token. */
const TOKEN_PLACEHOLDER = '<token>'

/** Whether this server's Chroma API asks for a token: an unauthenticated call is refused when it does. */
function useChromaTokenRequired() {
  return useQuery({
    queryKey: queryKeys.chromaTokenRequired(),
    queryFn: async () => (await fetch('/api/v2/auth/identity')).status === 401,
    staleTime: Infinity
  })
}

/** Browser mode: this page is served by the headless server, whose settings are its command-line flags. */
function BrowserSettings() {
  const url = window.location.origin
  const tokenRequired = useChromaTokenRequired().data ?? false
  return (
    <Stack gap="sm" data-testid="settings-browser">
      <Text fw={600}>Server</Text>
      <Group gap="xs">
        <Text size="sm">URL</Text>
        <Code data-testid="settings-server-url">{url}</Code>
        <Copy value={url} />
      </Group>
      <Text size="sm" c="dimmed" data-testid="settings-token-note">
        {tokenRequired
          ? "Chroma's API asks for the token given with --token (this page does not hold it)."
          : "Chroma's API takes requests without a token."}
      </Text>
      <Alert variant="light" color="blue" data-testid="settings-flags-note">
        This server&apos;s settings are its command-line flags:{' '}
        <Code>npm run serve -- --path DIR --port N --host H --token T</Code>. Restart it with other flags to change
        them.
      </Alert>
      <Text fw={600}>Connect a client</Text>
      <Snippets url={url} token={tokenRequired ? TOKEN_PLACEHOLDER : null} showToken />
    </Stack>
  )
}

function DesktopSettings() {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const [showToken, setShowToken] = useState(false)
  const [port, setPort] = useState<number | string | null>(null)
  const [dataDir, setDataDir] = useState('')
  const settings = useQuery({
    queryKey: queryKeys.settings(),
    queryFn: () => transport.call('settings.get', {})
  })
  const store = (s: AppSettings): void => {
    queryClient.setQueryData(queryKeys.settings(), s)
  }
  const setServer = useMutation({
    mutationFn: (input: { enabled: boolean; port?: number; regenerateToken?: boolean }) =>
      transport.call('settings.setServer', input),
    onSuccess: (s) => {
      store(s)
      setPort(null)
    }
  })
  const setDir = useMutation({
    mutationFn: (dir: string) => transport.call('settings.setDataDir', { dataDir: dir }),
    onSuccess: (s) => {
      store(s)
      setDataDir('')
    }
  })

  if (settings.isPending) {
    return (
      <Group>
        <Loader size="sm" />
        <Text>Loading settings…</Text>
      </Group>
    )
  }
  if (settings.isError) {
    return (
      <Alert color="red" title="Cannot load settings" data-testid="settings-error">
        {settings.error.message}
      </Alert>
    )
  }
  const { server, dataDir: currentDir, pendingDataDir } = settings.data
  // The typed port is kept until applied; an error leaves it as typed.
  const portValue = port ?? server.port
  const portNumber = typeof portValue === 'number' && portValue >= 1 && portValue <= 65535 ? portValue : null
  const portChanged = portNumber !== null && portNumber !== server.port

  return (
    <Stack gap="lg" data-testid="settings-desktop">
      <Stack gap="sm">
        <Title order={5}>REST server</Title>
        <Switch
          label="Serve the Chroma API and this UI over HTTP"
          description="Off by default; lets Chroma clients and a browser reach this app's data"
          checked={server.enabled}
          disabled={setServer.isPending}
          onChange={(e) =>
            setServer.mutate({ enabled: e.currentTarget.checked, ...(portNumber !== null ? { port: portNumber } : {}) })
          }
          data-testid="settings-server-enabled"
        />
        <Group align="flex-end" gap="xs">
          <NumberInput
            label="Port"
            value={portValue}
            onChange={setPort}
            min={1}
            max={65535}
            allowDecimal={false}
            allowNegative={false}
            w={140}
            error={portNumber === null ? '1 to 65535' : undefined}
            data-testid="settings-server-port"
          />
          <Button
            variant="light"
            disabled={!portChanged}
            loading={setServer.isPending}
            onClick={() => portNumber !== null && setServer.mutate({ enabled: server.enabled, port: portNumber })}
            data-testid="settings-server-port-apply"
          >
            Apply port
          </Button>
        </Group>
        <TokenField
          token={server.token}
          shown={showToken}
          onToggle={() => setShowToken((s) => !s)}
          onRegenerate={() => setServer.mutate({ enabled: server.enabled, port: server.port, regenerateToken: true })}
          regenerating={setServer.isPending && setServer.variables?.regenerateToken === true}
        />
        {setServer.isError && (
          <Alert color="red" data-testid="settings-server-save-error">
            {setServer.error.message}
          </Alert>
        )}
        {server.url ? (
          <Group gap="xs">
            <Badge color="green" variant="light">
              running
            </Badge>
            <Code data-testid="settings-server-url">{server.url}</Code>
            <Copy value={server.url} />
          </Group>
        ) : server.enabled && server.error ? (
          <Alert color="red" title="The server could not start" data-testid="settings-server-error">
            {server.error}
          </Alert>
        ) : (
          <Text size="sm" c="dimmed" data-testid="settings-server-off">
            The server is off.
          </Text>
        )}
        <Text size="sm" fw={500}>
          Connect a client
        </Text>
        <Snippets
          url={server.url ?? `http://${server.host}:${server.port}`}
          token={server.token}
          showToken={showToken}
        />
      </Stack>

      <Divider />

      <Stack gap="sm">
        <Title order={5}>Data directory</Title>
        <Group gap="xs">
          <Code data-testid="settings-data-dir">{currentDir}</Code>
          <Copy value={currentDir} />
        </Group>
        {pendingDataDir && (
          <Alert color="yellow" variant="light" data-testid="settings-pending-data-dir">
            After a restart the app uses <Code>{pendingDataDir}</Code>.
          </Alert>
        )}
        <Group align="flex-end" gap="xs">
          <TextInput
            label="Move to another folder"
            description="Takes effect when the app restarts"
            placeholder="/path/to/folder"
            value={dataDir}
            onChange={(e) => setDataDir(e.currentTarget.value)}
            style={{ flex: 1 }}
            data-testid="settings-data-dir-input"
          />
          <Button
            variant="light"
            disabled={dataDir.trim() === ''}
            loading={setDir.isPending}
            onClick={() => setDir.mutate(dataDir.trim())}
            data-testid="settings-data-dir-save"
          >
            Change
          </Button>
        </Group>
        {setDir.isError && (
          <Alert color="red" data-testid="settings-data-dir-error">
            {setDir.error.message}
          </Alert>
        )}
      </Stack>
    </Stack>
  )
}
