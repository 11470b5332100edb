import { useState } from 'react'
import { Alert, Button, Group, Menu, Modal, Progress, Select, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQuery } from '@tanstack/react-query'
import type { CopyStatus } from '../../../../shared/contract'
import { EXPORT_PATH, LOCAL_CONNECTION } from '../../../../shared/constants'
import { useConnection, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { useCollection } from '../collections/CollectionHeader'
import { connectionLabel, useConnections } from '../connections/ConnectionPicker'
import { saveBlob } from '../../lib/read-file'
import { plural } from '../../lib/format'
import { exportFileName, type ExportFormat } from '../../../../shared/file-names'

const FORMAT_LABELS: Record<ExportFormat, string> = {
  jsonl: 'JSONL (.jsonl): exact, line by line',
  parquet: 'Parquet (.parquet): for pandas, Polars, DuckDB'
}

/**
 * "Copy to…" and "Export" (JSONL or Parquet) for the selected collection, or with `ids` for those
 * records only (the map's selection).
 */
export function CollectionTransfer({ collectionId, ids }: { collectionId: string; ids?: string[] }) {
  const transport = useTransport()
  const { connection } = useConnection()
  const [copying, setCopying] = useState(false)
  const collection = useCollection(collectionId)
  const what = ids ? 'selection' : 'collection'
  const exportFile = useMutation({
    mutationFn: async (format: ExportFormat) => {
      if (transport.kind === 'ipc') {
        return transport.call('collections.export', { collectionId, format, ...(ids ? { ids } : {}) })
      }
      const download = transport.download as NonNullable<typeof transport.download>
      const connectionPart: Record<string, string> = connection !== LOCAL_CONNECTION ? { connection } : {}
      const query = new URLSearchParams({ format, ...connectionPart })
      // Ids are too many for a URL: a selection is POSTed (same route, same file).
      const blob = await (ids
        ? download(`${EXPORT_PATH}/${collectionId}`, { format, ids, ...connectionPart })
        : download(`${EXPORT_PATH}/${collectionId}?${query.toString()}`))
      const fileName = exportFileName(collection.data?.name, format)
      saveBlob(blob, fileName)
      return { downloaded: fileName }
    },
    onSuccess: (result) => {
      if (result && 'downloaded' in result) notifications.show({ message: `Exported: ${result.downloaded} downloaded` })
      else if (result) notifications.show({ message: `Exported ${result.records} records to ${result.file}` })
    },
    onError: (err) => notifications.show({ color: 'red', title: 'Export failed', message: err.message })
  })
  return (
    <Group gap="xs">
      <Button size="xs" variant="default" onClick={() => setCopying(true)} data-testid={`copy-${what}`}>
        {ids ? 'Copy selection to…' : 'Copy to…'}
      </Button>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button size="xs" variant="default" loading={exportFile.isPending} data-testid={`export-${what}`}>
            {ids ? 'Export selection' : 'Export'}
          </Button>
        </Menu.Target>
        <Menu.Dropdown data-testid="export-formats">
          {(Object.keys(FORMAT_LABELS) as ExportFormat[]).map((format) => (
            <Menu.Item key={format} onClick={() => exportFile.mutate(format)} data-testid={`export-${format}`}>
              {FORMAT_LABELS[format]}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      {copying && collection.data && (
        <CopyModal
          collectionId={collectionId}
          sourceName={collection.data.name}
          {...(ids ? { ids } : {})}
          onClose={() => setCopying(false)}
        />
      )}
    </Group>
  )
}

function CopyModal(props: { collectionId: string; sourceName: string; ids?: string[]; onClose: () => void }) {
  const transport = useTransport()
  const { connection } = useConnection()
  const [target, setTarget] = useState<string | null>(null)
  const [name, setName] = useState(props.sourceName)
  const [jobId, setJobId] = useState<string | null>(null)
  const connections = useConnections()
  const start = useMutation({
    mutationFn: () =>
      transport.call('collections.copy', {
        collectionId: props.collectionId,
        target: target as string,
        name,
        ...(props.ids ? { ids: props.ids } : {})
      }),
    onSuccess: (status) => setJobId(status.jobId)
  })
  const job = useQuery<CopyStatus>({
    queryKey: queryKeys.copy(jobId ?? ''),
    queryFn: () => transport.call('copy.status', { jobId: jobId as string }),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data?.state === 'running' ? 1000 : false)
  })
  const status = job.data ?? start.data
  const targets = (connections.data ?? [])
    .filter((c) => c.id !== connection)
    .map((c) => ({ value: c.id, label: connectionLabel(c) }))
  return (
    <Modal
      opened
      onClose={props.onClose}
      title={props.ids ? `Copy ${plural(props.ids.length)} of ${props.sourceName}` : `Copy ${props.sourceName}`}
      size="lg"
    >
      <Stack data-testid="copy-dialog">
        <Text size="sm" c="dimmed">
          Records are copied with their embeddings as stored (nothing is embedded again), in batches; the new collection
          gets the same distance space and embedding model.
        </Text>
        <Select
          label="To"
          placeholder={targets.length ? 'Choose a connection' : 'Add a Chroma server first (connection menu)'}
          data={targets}
          value={target}
          onChange={setTarget}
          disabled={jobId !== null}
          data-testid="copy-target"
        />
        <TextInput
          label="Name there"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          disabled={jobId !== null}
          data-testid="copy-name"
        />
        {start.isError && <Alert color="red">{start.error.message}</Alert>}
        {status && (
          <Stack gap={4} data-testid="copy-status" data-state={status.state}>
            <Progress
              value={status.total ? (100 * status.copied) / status.total : 100}
              animated={status.state === 'running'}
            />
            <Text size="sm">
              {status.copied.toLocaleString()} of {status.total.toLocaleString()} records{' '}
              {status.state === 'running' ? 'copied so far' : status.state}
            </Text>
            {status.error && <Alert color={status.state === 'cancelled' ? 'yellow' : 'red'}>{status.error}</Alert>}
          </Stack>
        )}
        <Group justify="flex-end">
          {status?.state === 'running' ? (
            <Button
              color="red"
              variant="light"
              onClick={() => void transport.call('copy.cancel', { jobId: status.jobId })}
            >
              Cancel
            </Button>
          ) : null}
          {jobId === null ? (
            <Button
              onClick={() => start.mutate()}
              disabled={!target || !name}
              loading={start.isPending}
              data-testid="copy-start"
            >
              Copy
            </Button>
          ) : (
            <Button variant="default" onClick={props.onClose} disabled={status?.state === 'running'}>
              Close
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  )
}
