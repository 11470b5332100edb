import { useState } from 'react'
import {
  Alert,
  Button,
  Center,
  Code,
  CopyButton,
  Divider,
  Drawer,
  Group,
  Loader,
  Stack,
  Text,
  Textarea,
  Title
} from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Metadata, RecordRow } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { MetadataEditor } from './MetadataEditor'
import { isSparseValue, parseRows, rowsFromMetadata, type MetadataRow } from './metadata'

export interface RecordDrawerProps {
  collectionId: string
  recordId: string | null
  onClose: () => void
  onFindSimilar?: (id: string) => void
}

/** One record in full: its document and metadata to edit, and a look at its embedding. */
export function RecordDrawer({ collectionId, recordId, onClose, onFindSimilar }: RecordDrawerProps) {
  return (
    <Drawer
      opened={recordId !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={
        <Text fw={600} component="span">
          Record{' '}
          <Code fz="sm" data-testid="record-drawer-id">
            {recordId}
          </Code>
        </Text>
      }
    >
      {recordId !== null && (
        // Keyed by record so each opening starts from that record's stored values.
        <RecordDetails key={recordId} collectionId={collectionId} recordId={recordId} onFindSimilar={onFindSimilar} />
      )}
    </Drawer>
  )
}

function RecordDetails({
  collectionId,
  recordId,
  onFindSimilar
}: {
  collectionId: string
  recordId: string
  onFindSimilar?: (id: string) => void
}) {
  const transport = useTransport()
  const query = useQuery({
    queryKey: queryKeys.records.get(collectionId, [recordId], true),
    queryFn: () => transport.call('records.get', { collectionId, ids: [recordId], embeddings: true })
  })

  // Wait for a fetch made for this opening: a cached copy may predate the last save.
  if (query.isPending || (!query.isFetchedAfterMount && query.isFetching)) {
    return (
      <Center h={200} data-testid="record-drawer" data-state="loading">
        <Loader />
      </Center>
    )
  }
  if (query.isError) {
    return (
      <Alert color="red" title="Could not load the record" data-testid="record-drawer" data-state="error">
        {query.error.message}
      </Alert>
    )
  }
  const record = query.data[0]
  if (!record) {
    return (
      <Alert color="yellow" title="Record not found" data-testid="record-drawer" data-state="missing">
        No record with id {recordId} in this collection; it may have been deleted.
      </Alert>
    )
  }
  return <RecordEditor collectionId={collectionId} record={record} onFindSimilar={onFindSimilar} />
}

function l2Norm(v: number[]): number {
  let sum = 0
  for (const x of v) sum += x * x
  return Math.sqrt(sum)
}

function EmbeddingPreview({ embedding }: { embedding: number[] | null | undefined }) {
  if (!embedding || embedding.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="record-embedding">
        No embedding stored.
      </Text>
    )
  }
  const head = embedding.slice(0, 8).map((x) => x.toFixed(4))
  return (
    <Stack gap={6} data-testid="record-embedding" data-dimension={embedding.length}>
      <Group gap="lg">
        <Text size="sm">
          Dimension <b data-testid="record-embedding-dimension">{embedding.length}</b>
        </Text>
        <Text size="sm">
          L2 norm <b data-testid="record-embedding-norm">{l2Norm(embedding).toFixed(4)}</b>
        </Text>
      </Group>
      <Code block data-testid="record-embedding-head">
        [{head.join(', ')}
        {embedding.length > 8 ? `, … ${embedding.length - 8} more` : ''}]
      </Code>
      <Group>
        <CopyButton value={JSON.stringify(embedding)}>
          {({ copied, copy }) => (
            <Button size="compact-sm" variant="light" color={copied ? 'teal' : undefined} onClick={copy}>
              {copied ? 'Copied' : 'Copy as JSON'}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  )
}

function RecordEditor({
  collectionId,
  record,
  onFindSimilar
}: {
  collectionId: string
  record: RecordRow
  onFindSimilar?: (id: string) => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  // What the engine holds now: removed keys are sent as null (Chroma's update merges metadata).
  const [saved, setSaved] = useState<{ document: string | null; metadata: Metadata | null }>({
    document: record.document,
    metadata: record.metadata
  })
  const [document, setDocument] = useState(record.document ?? '')
  const [rows, setRows] = useState<MetadataRow[]>(() => rowsFromMetadata(record.metadata))
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({})

  const save = useMutation({
    mutationFn: (input: { document?: string; metadata: Metadata }) =>
      transport.call('records.update', { collectionId, id: record.id, ...input }),
    onSuccess: (row, input) => {
      setSaved({ document: input.document ?? saved.document, metadata: row.metadata })
      notifications.show({ color: 'green', title: 'Record saved', message: row.id })
      void queryClient.invalidateQueries({ queryKey: queryKeys.records.of(collectionId) })
    }
  })

  const onSave = (): void => {
    const parsed = parseRows(rows)
    setRowErrors(parsed.errors)
    if (Object.keys(parsed.errors).length > 0) return
    const metadata: Metadata = { ...parsed.metadata }
    for (const [key, value] of Object.entries(saved.metadata ?? {})) {
      // Sparse vectors are not rows: left out, they stay (or a keyword index's follows the new document).
      if (!Object.hasOwn(metadata, key) && !isSparseValue(value)) metadata[key] = null
    }
    // An unchanged document is left out so the record is not embedded again for nothing.
    const documentChanged = document !== (saved.document ?? '')
    save.mutate({ metadata, ...(documentChanged ? { document } : {}) })
  }

  return (
    <Stack gap="md" data-testid="record-drawer" data-state="ready" data-id={record.id}>
      <Textarea
        label="Document"
        description={record.document === null ? 'This record has no document.' : undefined}
        value={document}
        onChange={(e) => setDocument(e.currentTarget.value)}
        autosize
        minRows={4}
        maxRows={16}
        data-testid="record-document"
      />
      <div>
        <Title order={6} mb={6}>
          Metadata
        </Title>
        <MetadataEditor rows={rows} onChange={setRows} errors={rowErrors} />
      </div>
      {save.isError && (
        <Alert color="red" title="The engine refused the change" data-testid="record-save-error">
          {save.error.message}
        </Alert>
      )}
      <Group justify="space-between">
        <Button onClick={onSave} loading={save.isPending} data-testid="record-save">
          Save
        </Button>
        {onFindSimilar && (
          <Button variant="light" onClick={() => onFindSimilar(record.id)} data-testid="record-find-similar">
            Find similar
          </Button>
        )}
      </Group>
      <Divider label="Embedding" labelPosition="left" />
      <EmbeddingPreview embedding={record.embedding} />
    </Stack>
  )
}
