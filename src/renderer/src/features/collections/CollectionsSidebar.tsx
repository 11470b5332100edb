import { useState } from 'react'
import { Alert, Badge, Button, Group, NavLink, ScrollArea, Skeleton, Stack, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { CreateCollectionModal } from './CreateCollectionModal'
import './CollectionsSidebar.css'

/** The sidebar's list: every collection with its exact count. */
export function useCollectionList() {
  const transport = useTransport()
  return useQuery({
    queryKey: queryKeys.collections.list(),
    queryFn: () => transport.call('collections.list', {})
  })
}

export function CollectionsSidebar({
  selectedId,
  onSelect
}: {
  selectedId: string | null
  onSelect: (id: string | null) => void
}) {
  const list = useCollectionList()
  const [creating, setCreating] = useState(false)

  let body
  if (list.isPending) {
    body = (
      <Stack gap={6} data-testid="collections-loading">
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} height={32} radius="sm" />
        ))}
      </Stack>
    )
  } else if (list.isError) {
    body = (
      <Alert color="red" title="Could not list collections" data-testid="collections-error">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{list.error.message}</Text>
          <Button size="compact-sm" variant="light" color="red" onClick={() => void list.refetch()}>
            Retry
          </Button>
        </Stack>
      </Alert>
    )
  } else if (list.data.length === 0) {
    body = (
      <Text size="sm" c="dimmed" ta="center" py="md" data-testid="collections-empty">
        No collections yet. Create one to start adding records.
      </Text>
    )
  } else {
    body = (
      <Stack gap={2} data-testid="collections-list">
        {list.data.map((c) => (
          <NavLink
            key={c.id}
            component="button"
            label={c.name}
            description={c.embeddingModel === null ? 'embeddings only' : undefined}
            active={c.id === selectedId}
            onClick={() => onSelect(c.id)}
            rightSection={
              <Badge size="sm" variant="light" color="gray" data-testid="collection-item-count">
                {c.count.toLocaleString()}
              </Badge>
            }
            styles={{ label: { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } }}
            title={c.name}
            aria-current={c.id === selectedId ? 'page' : undefined}
            className="cd-collection-item"
            data-testid="collection-item"
            data-name={c.name}
            data-selected={c.id === selectedId ? 'true' : 'false'}
          />
        ))}
      </Stack>
    )
  }

  return (
    <Stack h="100%" gap="sm">
      <Group justify="space-between">
        <Text fw={600}>Collections</Text>
        <Button size="compact-sm" onClick={() => setCreating(true)} data-testid="new-collection">
          New collection
        </Button>
      </Group>
      <ScrollArea style={{ flex: 1 }} offsetScrollbars>
        {body}
      </ScrollArea>
      {creating && (
        <CreateCollectionModal
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false)
            onSelect(c.id)
          }}
        />
      )}
    </Stack>
  )
}
