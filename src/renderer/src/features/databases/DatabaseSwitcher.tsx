import { useEffect, useRef, useState } from 'react'
import { ActionIcon, Button, Group, Menu, Select, Text, Tooltip } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { dropDatabaseData, useConnection, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { useConnections } from '../connections/ConnectionPicker'
import { CreateDatabaseModal, CreateTenantModal } from './CreateModals'
import { DeleteDatabaseModal } from './DeleteDatabaseModal'

/** A tenant/database pair as one Select value (names may hold any character, so JSON). */
const encode = (tenant: string, database: string): string => JSON.stringify([tenant, database])
const decode = (value: string): [string, string] => JSON.parse(value) as [string, string]

const collectionCount = (n: number): string => `${n} ${n === 1 ? 'collection' : 'collections'}`

/** The active connection's tenants and each one's databases (with collection counts). */
export function useTenancy() {
  const transport = useTransport()
  const { connection } = useConnection()
  const tenants = useQuery({
    queryKey: queryKeys.tenants(connection),
    queryFn: () => transport.call('tenants.list', {})
  })
  const databases = useQueries({
    queries: (tenants.data?.tenants ?? []).map((tenant) => ({
      queryKey: queryKeys.databases.list(connection, tenant),
      queryFn: () => transport.call('databases.list', { tenant })
    }))
  })
  return { tenants, databases }
}

/** Switches the active connection's tenant/database; the UI then forgets what it read from the old one. */
export function useSwitchDatabase(onSwitched: () => void) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (to: { tenant: string; database: string }) => transport.call('databases.use', to),
    onSuccess: () => {
      dropDatabaseData(queryClient)
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections() })
      onSwitched()
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Could not switch database', message: err.message })
  })
}

/**
 * Which tenant and database of the active connection the UI works on, with create and delete. A
 * Chroma server cannot list its tenants: it shows its current one and those named here (decision 0070).
 */
export function DatabaseSwitcher({ onChange }: { onChange: () => void }) {
  const { connection } = useConnection()
  const queryClient = useQueryClient()
  const connections = useConnections()
  const current = connections.data?.find((c) => c.id === connection)
  // A switch made in another window (or tab) reaches this one as a changed connection list: leave the
  // collection open here, which belongs to the old database, and what was read from it.
  const scopeKey = current ? encode(current.tenant, current.database) : null
  const seenScope = useRef(scopeKey)
  useEffect(() => {
    if (scopeKey === null || scopeKey === seenScope.current) return
    const first = seenScope.current === null
    seenScope.current = scopeKey
    if (first) return
    dropDatabaseData(queryClient)
    onChange()
  }, [scopeKey, queryClient, onChange])
  const { tenants, databases } = useTenancy()
  const use = useSwitchDatabase(onChange)
  const [dialog, setDialog] = useState<'database' | 'tenant' | 'delete' | null>(null)
  const close = (): void => setDialog(null)

  const tenantNames = tenants.data?.tenants ?? []
  const counts = new Map<string, number>()
  const data = tenantNames.map((tenant, i) => ({
    group: tenant,
    items: (databases[i]?.data ?? []).map((d) => {
      counts.set(encode(tenant, d.name), d.collections)
      return { value: encode(tenant, d.name), label: `${tenant} / ${d.name}` }
    })
  }))
  const value = current ? encode(current.tenant, current.database) : null
  // A current database that is gone (deleted elsewhere) is still shown, marked, until the user picks another.
  const loaded = databases.length > 0 && databases.every((d) => d.isSuccess)
  const missing = current !== undefined && loaded && !counts.has(value as string)
  if (missing && current) {
    data.push({
      group: current.tenant,
      items: [{ value: value as string, label: `${current.tenant} / ${current.database} (does not exist)` }]
    })
  }
  const error = tenants.error ?? databases.find((d) => d.error)?.error

  return (
    <Group gap={4} wrap="nowrap">
      <Select
        aria-label="Database"
        data-testid="database-switcher"
        data-value={current ? `${current.tenant}/${current.database}` : ''}
        w={260}
        size="xs"
        allowDeselect={false}
        data={data}
        value={value}
        error={error?.message}
        disabled={use.isPending}
        // Collection counts change with every collection made or deleted: fresh ones when looking.
        onDropdownOpen={() => void queryClient.invalidateQueries({ queryKey: queryKeys.databases.of(connection) })}
        renderOption={({ option }) => (
          <Group justify="space-between" wrap="nowrap" w="100%" data-testid="database-option">
            <Text size="xs">{decode(option.value)[1]}</Text>
            {counts.has(option.value) && (
              <Text size="xs" c="dimmed">
                {collectionCount(counts.get(option.value) as number)}
              </Text>
            )}
          </Group>
        )}
        onChange={(v) => {
          if (v && v !== value) {
            const [tenant, database] = decode(v)
            use.mutate({ tenant, database })
          }
        }}
      />
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Tooltip label="New database or tenant">
            <ActionIcon variant="subtle" aria-label="New database or tenant" data-testid="database-menu">
              +
            </ActionIcon>
          </Tooltip>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item onClick={() => setDialog('database')} data-testid="new-database">
            New database…
          </Menu.Item>
          <Menu.Item onClick={() => setDialog('tenant')} data-testid="new-tenant">
            {tenants.data?.complete === false ? 'New or existing tenant…' : 'New tenant…'}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {current && !missing && (
        <Tooltip label={`Delete database ${current.database}`}>
          <Button
            size="compact-xs"
            variant="subtle"
            color="red"
            aria-label="Delete database"
            data-testid="delete-database"
            onClick={() => setDialog('delete')}
          >
            Delete
          </Button>
        </Tooltip>
      )}
      {dialog === 'database' && current && (
        <CreateDatabaseModal
          tenants={tenantNames}
          tenant={current.tenant}
          existing={(tenant) => (databases[tenantNames.indexOf(tenant)]?.data ?? []).map((d) => d.name)}
          onClose={close}
        />
      )}
      {dialog === 'tenant' && (
        <CreateTenantModal
          known={tenantNames}
          canOpenExisting={tenants.data?.complete === false}
          onClose={close}
          onReady={(to) => {
            close()
            use.mutate(to)
          }}
        />
      )}
      {dialog === 'delete' && current && (
        <DeleteDatabaseModal tenant={current.tenant} database={current.database} onClose={close} onDeleted={onChange} />
      )}
    </Group>
  )
}
