import { useState } from 'react'
import { Alert, Autocomplete, Button, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core'
import { useMutation } from '@tanstack/react-query'
import type { ConnectionCheck } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'

const PROBLEM_TITLES: Record<NonNullable<ConnectionCheck['problem']>, string> = {
  unreachable: 'Server unreachable',
  unauthorized: 'Token refused',
  tenant: 'Tenant not found',
  database: 'Database not found',
  version: 'Unsupported server'
}

/**
 * Adds a Chroma server: checks it first (reachable, v2, token, tenant, database), then saves it. One
 * outcome shows at a time: Test and Connect each clear the other's, and an edit clears both (they
 * described what was typed before).
 */
export function AddConnectionModal(props: { opened: boolean; onClose: () => void; onAdded: (id: string) => void }) {
  const transport = useTransport()
  const [name, setName] = useState('Chroma server')
  const [url, setUrl] = useState('http://localhost:8000')
  const [token, setToken] = useState('')
  const [tenant, setTenant] = useState('default_tenant')
  const [database, setDatabase] = useState('default_database')
  // "localhost:8000" means http://localhost:8000, as in a browser's address bar.
  const fullUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) ? url.trim() : `http://${url.trim()}`
  const target = { url: fullUrl, tenant, database, ...(token ? { token } : {}) }
  // The databases the last check found: suggestions for the Database field, kept while it is edited
  // (typing filters them, picking one sets it) and dropped when the server, token or tenant change.
  const [databases, setDatabases] = useState<string[]>([])
  const check = useMutation({ mutationFn: () => transport.call('connections.check', target) })
  const add = useMutation({
    mutationFn: () => transport.call('connections.add', { name, ...target }),
    onSuccess: (info) => props.onAdded(info.id)
  })
  const result = check.data
  const edited =
    <T,>(set: (v: T) => void) =>
    (v: T): void => {
      set(v)
      check.reset()
      add.reset()
    }
  /** An edit that names another server (URL, token, tenant): its databases are not these. */
  const retargeted =
    <T,>(set: (v: T) => void) =>
    (v: T): void => {
      edited(set)(v)
      setDatabases([])
    }
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Connect to a Chroma server" size="lg">
      <Stack data-testid="add-connection">
        <TextInput label="Name" value={name} onChange={(e) => edited(setName)(e.currentTarget.value)} />
        <TextInput
          label="Server URL"
          description={
            fullUrl === url.trim()
              ? 'A Chroma 0.6+ server (v2 API), e.g. http://localhost:8000'
              : `Connects to ${fullUrl}`
          }
          value={url}
          onChange={(e) => retargeted(setUrl)(e.currentTarget.value)}
          data-testid="connection-url"
        />
        <PasswordInput
          label="Token (optional)"
          description="Sent as Authorization: Bearer and X-Chroma-Token; stored encrypted by the desktop app"
          value={token}
          onChange={(e) => retargeted(setToken)(e.currentTarget.value)}
        />
        <Group grow>
          <TextInput label="Tenant" value={tenant} onChange={(e) => retargeted(setTenant)(e.currentTarget.value)} />
          <Autocomplete
            label="Database"
            value={database}
            onChange={edited(setDatabase)}
            data={databases}
            data-testid="connection-database"
          />
        </Group>
        {check.isError && (
          <Alert color="red" data-testid="connection-error">
            {check.error.message}
          </Alert>
        )}
        {result?.ownServer && (
          <Alert color="blue" title="This is Chromadesk's own server" data-testid="connection-own-server">
            <Text size="sm">
              Its collections are already here, in the built-in database: no connection is needed to work on them.
            </Text>
          </Alert>
        )}
        {result && (
          <Alert
            color={result.ok ? 'green' : 'red'}
            title={result.ok ? 'Ready' : PROBLEM_TITLES[result.problem ?? 'unreachable']}
            data-testid="connection-check"
          >
            {result.ok ? (
              <Text size="sm">
                Chroma {result.version ?? '(version unknown)'}; databases: {result.databases.join(', ') || 'none'}
              </Text>
            ) : (
              <Text size="sm">{result.message}</Text>
            )}
          </Alert>
        )}
        {add.isError && (
          <Alert color="red" data-testid="connection-error">
            {add.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button
            variant="default"
            onClick={() => {
              add.reset()
              // On the call, not the mutation: a check an edit has reset since does not set them.
              check.mutate(undefined, { onSuccess: (found) => setDatabases(found.databases) })
            }}
            loading={check.isPending}
            data-testid="connection-test"
          >
            Test
          </Button>
          <Button
            onClick={() => {
              check.reset()
              add.mutate()
            }}
            loading={add.isPending}
            data-testid="connection-save"
          >
            Connect
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
