import { useState } from 'react'
import { ActionIcon, Group, Select, Tooltip } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { notifications } from '@mantine/notifications'
import type { ConnectionInfo } from '../../../../shared/contract'
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import { useConnection, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { AddConnectionModal } from './AddConnectionModal'

const ADD = '__add__'

/** The saved connections, this computer's database included. */
export function useConnections() {
  const transport = useTransport()
  return useQuery({ queryKey: queryKeys.connections(), queryFn: () => transport.call('connections.list', {}) })
}

/** How a connection is named in menus: its name, with the server address when it has one. */
export function connectionLabel(c: Pick<ConnectionInfo, 'name' | 'url'>): string {
  return c.url ? `${c.name} (${c.url})` : c.name
}

/** Which database the whole UI works on: this computer's or a saved Chroma server. */
export function ConnectionPicker({ onChange }: { onChange: () => void }) {
  const transport = useTransport()
  const { connection, setConnection } = useConnection()
  const [adding, setAdding] = useState(false)
  const list = useConnections()
  const remove = useMutation({
    mutationFn: (id: string) => transport.call('connections.remove', { id }),
    onSuccess: () => {
      setConnection(LOCAL_CONNECTION)
      onChange()
      void list.refetch()
    },
    onError: (err) =>
      notifications.show({ color: 'red', title: 'Could not remove the connection', message: err.message })
  })
  const switchTo = (id: string): void => {
    setConnection(id)
    onChange()
  }
  const data = [
    ...(list.data ?? []).map((c) => ({ value: c.id, label: connectionLabel(c) })),
    { value: ADD, label: 'Add a Chroma server…' }
  ]
  return (
    <Group gap={4} wrap="nowrap">
      <Select
        aria-label="Connection"
        data-testid="connection-picker"
        w={300}
        size="xs"
        allowDeselect={false}
        data={data}
        value={connection}
        error={list.isError ? list.error.message : undefined}
        onChange={(value) => {
          if (value === ADD) setAdding(true)
          else if (value) switchTo(value)
        }}
      />
      {connection !== LOCAL_CONNECTION && (
        <Tooltip label="Remove this saved connection">
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label="Remove connection"
            loading={remove.isPending}
            onClick={() => remove.mutate(connection)}
          >
            ×
          </ActionIcon>
        </Tooltip>
      )}
      <AddConnectionModal
        opened={adding}
        onClose={() => setAdding(false)}
        onAdded={(id) => {
          setAdding(false)
          void list.refetch()
          switchTo(id)
        }}
      />
    </Group>
  )
}
