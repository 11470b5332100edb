import { useState } from 'react'
import { ActionIcon, Group, Select, Tooltip } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { notifications } from '@mantine/notifications'
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import { useConnection, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { AddConnectionModal } from './AddConnectionModal'

const ADD = '__add__'

/** Which database the whole UI works on: this computer's or a saved Chroma server. */
export function ConnectionPicker({ onChange }: { onChange: () => void }) {
  const transport = useTransport()
  const { connection, setConnection } = useConnection()
  const [adding, setAdding] = useState(false)
  const list = useQuery({ queryKey: queryKeys.connections(), queryFn: () => transport.call('connections.list', {}) })
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
    ...(list.data ?? []).map((c) => ({ value: c.id, label: c.url ? `${c.name} (${c.url})` : c.name })),
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
