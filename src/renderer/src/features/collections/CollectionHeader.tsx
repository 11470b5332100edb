import { useState } from 'react'
import { Alert, Badge, Button, Group, Modal, Skeleton, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { CollectionSummary } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { queryKeys } from '../../lib/query-keys'
import { MetadataEditor } from '../records/MetadataEditor'
import { formatValue, parseRows, rowsFromMetadata, type MetadataRow } from '../records/metadata'
import { collectionNameError } from './names'
import { DialogFooter } from '../../components/DialogFooter'
import { ConfirmByTypingModal } from '../../components/ConfirmByTypingModal'
import { CloneCollectionModal } from './CloneCollectionModal'
import { ForkCollectionModal } from './ForkCollectionModal'
import { ReembedCollectionModal } from './ReembedCollectionModal'

export function useCollection(id: string) {
  const transport = useTransport()
  return useQuery({
    queryKey: queryKeys.collections.detail(id),
    queryFn: () => transport.call('collections.get', { id })
  })
}

/** The selected collection's facts and its actions: rename, edit metadata, delete. */
export function CollectionHeader({ collectionId, onDeleted }: { collectionId: string; onDeleted: () => void }) {
  const collection = useCollection(collectionId)
  const [dialog, setDialog] = useState<'rename' | 'metadata' | 'delete' | 'clone' | 'fork' | 'reembed' | null>(null)
  const close = (): void => setDialog(null)

  if (collection.isPending) {
    return (
      <Stack gap={6} data-testid="collection-header" data-state="loading">
        <Skeleton height={28} width={240} />
        <Skeleton height={18} width={420} />
      </Stack>
    )
  }
  if (collection.isError) {
    return (
      <Alert color="red" title="Could not load the collection" data-testid="collection-header" data-state="error">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{collection.error.message}</Text>
          <Button size="compact-sm" variant="light" color="red" onClick={() => void collection.refetch()}>
            Retry
          </Button>
        </Stack>
      </Alert>
    )
  }
  const c = collection.data
  const metadata = Object.entries(c.metadata ?? {})

  return (
    <Stack gap={6} data-testid="collection-header" data-state="ready">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Title order={3} data-testid="collection-name" style={{ overflowWrap: 'anywhere' }}>
            {c.name}
          </Title>
          <Group gap={6}>
            <Badge variant="light" tt="none" data-testid="collection-count" data-count={c.count}>
              {plural(c.count)}
            </Badge>
            <Badge variant="light" color="gray" tt="none" data-testid="collection-dimension">
              {c.dimension === null ? 'dimension not set yet' : `${c.dimension} dimensions`}
            </Badge>
            <Badge variant="light" color="gray" tt="none" data-testid="collection-space">
              space: {c.space}
            </Badge>
            <Tooltip label={c.embeddingModel ?? 'Records are added with their own embeddings'}>
              <Badge
                variant="light"
                color={c.embeddingModel === null ? 'orange' : 'gray'}
                tt="none"
                maw={360}
                data-testid="collection-model"
              >
                {c.embeddingModel === null ? 'no embedding model' : `model: ${c.embeddingModel}`}
              </Badge>
            </Tooltip>
          </Group>
          {metadata.length > 0 && (
            <Group gap={4} data-testid="collection-metadata">
              {metadata.map(([key, value]) => (
                <Badge key={key} size="sm" variant="outline" color="gray" tt="none">
                  {key}: {formatValue(value)}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
        <Group gap="xs" wrap="nowrap">
          <Button size="xs" variant="default" onClick={() => setDialog('rename')} data-testid="rename-collection">
            Rename
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => setDialog('metadata')}
            data-testid="edit-collection-metadata"
          >
            Metadata
          </Button>
          <Button size="xs" variant="default" onClick={() => setDialog('clone')} data-testid="clone-collection">
            Clone with new settings…
          </Button>
          <Button size="xs" variant="default" onClick={() => setDialog('fork')} data-testid="fork-collection">
            Fork…
          </Button>
          <Button size="xs" variant="default" onClick={() => setDialog('reembed')} data-testid="reembed-collection">
            Change model…
          </Button>
          <Button
            size="xs"
            variant="light"
            color="red"
            onClick={() => setDialog('delete')}
            data-testid="delete-collection"
          >
            Delete
          </Button>
        </Group>
      </Group>
      {dialog === 'rename' && <RenameModal collection={c} onClose={close} />}
      {dialog === 'metadata' && <MetadataModal collection={c} onClose={close} />}
      {dialog === 'clone' && <CloneCollectionModal collection={c} onClose={close} />}
      {dialog === 'fork' && <ForkCollectionModal collection={c} onClose={close} />}
      {dialog === 'reembed' && <ReembedCollectionModal collection={c} onClose={close} />}
      {dialog === 'delete' && <DeleteModal collection={c} onClose={close} onDeleted={onDeleted} />}
    </Stack>
  )
}

/** Puts a changed collection in the cache and refetches the lists that show it. */
export function useCollectionUpdated() {
  const queryClient = useQueryClient()
  return (c: CollectionSummary): void => {
    queryClient.setQueryData(queryKeys.collections.detail(c.id), c)
    void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
  }
}

function RenameModal({ collection, onClose }: { collection: CollectionSummary; onClose: () => void }) {
  const transport = useTransport()
  const updated = useCollectionUpdated()
  const [name, setName] = useState(collection.name)
  const rename = useMutation({
    mutationFn: (newName: string) => transport.call('collections.rename', { id: collection.id, name: newName }),
    onSuccess: (c) => {
      updated(c)
      notifications.show({ color: 'green', title: 'Collection renamed', message: `${collection.name} → ${c.name}` })
      onClose()
    }
  })
  const error = collectionNameError(name)
  return (
    <Modal opened onClose={onClose} title={`Rename ${collection.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (!error) rename.mutate(name)
        }}
      >
        <Stack>
          <TextInput
            label="New name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={error}
            data-autofocus
            data-testid="rename-input"
          />
          <DialogFooter
            error={rename.error}
            errorTitle="The engine refused the name"
            errorTestId="rename-error"
            onCancel={onClose}
          >
            <Button
              type="submit"
              loading={rename.isPending}
              disabled={error !== null || name === collection.name}
              data-testid="rename-save"
            >
              Rename
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}

function MetadataModal({ collection, onClose }: { collection: CollectionSummary; onClose: () => void }) {
  const transport = useTransport()
  const updated = useCollectionUpdated()
  const [rows, setRows] = useState<MetadataRow[]>(() => rowsFromMetadata(collection.metadata))
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({})
  const save = useMutation({
    mutationFn: (metadata: NonNullable<CollectionSummary['metadata']>) =>
      transport.call('collections.setMetadata', { id: collection.id, metadata }),
    onSuccess: (c) => {
      updated(c)
      notifications.show({ color: 'green', title: 'Metadata saved', message: c.name })
      onClose()
    }
  })
  const submit = (): void => {
    const parsed = parseRows(rows)
    setRowErrors(parsed.errors)
    if (Object.keys(parsed.errors).length === 0) save.mutate(parsed.metadata)
  }
  return (
    <Modal opened onClose={onClose} title={`Metadata of ${collection.name}`} size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          Saving replaces the collection&apos;s whole metadata.
        </Text>
        <MetadataEditor rows={rows} onChange={setRows} errors={rowErrors} testId="collection-metadata" />
        <DialogFooter
          error={save.error}
          errorTitle="The engine refused the metadata"
          errorTestId="collection-metadata-error"
          onCancel={onClose}
        >
          <Button onClick={submit} loading={save.isPending} data-testid="collection-metadata-save">
            Save
          </Button>
        </DialogFooter>
      </Stack>
    </Modal>
  )
}

function DeleteModal({
  collection,
  onClose,
  onDeleted
}: {
  collection: CollectionSummary
  onClose: () => void
  onDeleted: () => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const remove = useMutation({
    mutationFn: () => transport.call('collections.delete', { id: collection.id }),
    onSuccess: ({ deleted }) => {
      queryClient.removeQueries({ queryKey: queryKeys.collections.detail(collection.id) })
      queryClient.removeQueries({ queryKey: queryKeys.records.of(collection.id) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
      notifications.show({ color: 'green', title: 'Collection deleted', message: deleted })
      onClose()
      onDeleted()
    }
  })
  return (
    <ConfirmByTypingModal
      title="Delete collection"
      name={collection.name}
      testId="delete-collection"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    >
      <Text data-testid="delete-collection-message">
        Delete <b>{collection.name}</b> and its {plural(collection.count)}? This cannot be undone.
      </Text>
    </ConfirmByTypingModal>
  )
}
