import { useCallback, useEffect, useRef, useState, type ChangeEvent } from 'react'
import { Alert, Badge, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { ModelInfo } from '../../../../shared/contract'
import { formatBytes } from '../../../../shared/format-bytes'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { uploadFile } from '../../lib/read-file'

const MODELS_KEY = queryKeys.models()

/**
 * Settings → Models (docs/models.md): the models in the app's cache and those collections use, with
 * their size; download a Hugging Face model (a job with byte progress), add a model folder (its files
 * are uploaded and copied into the cache once the model loads), remove one from the cache.
 */
export function ModelsPanel({ scrollIntoView = false }: { scrollIntoView?: boolean }) {
  const transport = useTransport()
  const panel = useRef<HTMLDivElement | null>(null)
  useEffect(() => {
    if (scrollIntoView) panel.current?.scrollIntoView({ block: 'start' })
  }, [scrollIntoView])
  const queryClient = useQueryClient()
  const models = useQuery({ queryKey: MODELS_KEY, queryFn: () => transport.call('models.list', {}) })
  const refresh = (): void => void queryClient.invalidateQueries({ queryKey: MODELS_KEY })
  const [hubId, setHubId] = useState('')
  const download = useMutation({
    mutationFn: (model: string) => transport.call('models.download', { model }),
    onSuccess: (job) => {
      notifications.show({ color: 'blue', title: 'Download started', message: `${job.title}: follow it in Jobs` })
      setHubId('')
    }
  })
  const remove = useMutation({
    mutationFn: (model: string) => transport.call('models.remove', { model }),
    onSuccess: (overview) => queryClient.setQueryData(MODELS_KEY, overview)
  })
  const add = useMutation({
    mutationFn: async (files: File[]) => {
      // A chosen folder's files carry `<folder>/<path>` as their relative path.
      const named = files.map((f) => ({ file: f, name: f.webkitRelativePath || f.name }))
      const folder = named[0]?.name.split('/')[0] ?? ''
      let uploadId: string | undefined
      for (const { file, name } of named) {
        uploadId = await uploadFile(transport.call, file, name, uploadId === undefined ? {} : { uploadId })
      }
      if (uploadId === undefined) throw new Error('The folder is empty')
      return transport.call('models.addFolder', { uploadId, folder, files: named.map((n) => n.name) })
    },
    onSuccess: (model) => {
      notifications.show({ color: 'green', title: 'Model added', message: model.model })
      refresh()
    }
  })
  const folderInput = useRef<HTMLInputElement | null>(null)
  // `webkitdirectory` is not in React's input typings; set it on the element whenever it mounts.
  const folderRef = useCallback((el: HTMLInputElement | null) => {
    folderInput.current = el
    el?.setAttribute('webkitdirectory', '')
  }, [])
  const onFolder = (e: ChangeEvent<HTMLInputElement>): void => {
    const files = Array.from(e.currentTarget.files ?? [])
    e.currentTarget.value = ''
    if (files.length > 0) add.mutate(files)
  }
  const error = download.error ?? remove.error ?? add.error ?? models.error

  return (
    <Stack gap="xs" data-testid="models-panel" ref={panel}>
      <Group justify="space-between">
        <Title order={5}>Embedding models</Title>
        <Button size="compact-xs" variant="subtle" onClick={refresh} data-testid="models-refresh">
          Refresh
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        Kept in {models.data?.cacheDir ?? 'the model cache folder'}. A collection loads its model from here, or from the
        folder it names.
      </Text>
      {error && (
        <Alert color="red" data-testid="models-error">
          {error.message}
        </Alert>
      )}
      <Table striped withTableBorder data-testid="models-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Model</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Used by</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(models.data?.models ?? []).map((m) => (
            <ModelRow
              key={m.model}
              model={m}
              onDownload={() => download.mutate(m.model)}
              onRemove={() => remove.mutate(m.model)}
            />
          ))}
        </Table.Tbody>
      </Table>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (hubId.trim() !== '') download.mutate(hubId.trim())
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput
            label="Download a Hugging Face model"
            placeholder="Xenova/all-MiniLM-L6-v2"
            value={hubId}
            onChange={(e) => setHubId(e.currentTarget.value)}
            style={{ flex: 1 }}
            data-testid="models-download-id"
          />
          <Button
            type="submit"
            disabled={hubId.trim() === ''}
            loading={download.isPending}
            data-testid="models-download"
          >
            Download
          </Button>
        </Group>
      </form>
      <Group gap="xs">
        <Button
          variant="default"
          size="xs"
          loading={add.isPending}
          onClick={() => folderInput.current?.click()}
          data-testid="models-add-folder"
        >
          Add a model folder…
        </Button>
        <Text size="xs" c="dimmed">
          config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx
        </Text>
        <input ref={folderRef} type="file" multiple hidden onChange={onFolder} data-testid="models-folder-input" />
      </Group>
    </Stack>
  )
}

function ModelRow({ model, onDownload, onRemove }: { model: ModelInfo; onDownload: () => void; onRemove: () => void }) {
  return (
    <Table.Tr data-testid="model-row" data-model={model.model}>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>
        <Text size="sm">{model.model}</Text>
        {!model.complete && (
          <Badge size="xs" color="orange" variant="light">
            {model.kind === 'hub' ? 'not downloaded' : 'files missing'}
          </Badge>
        )}
      </Table.Td>
      <Table.Td data-testid="model-size">{model.bytes > 0 ? formatBytes(model.bytes) : '—'}</Table.Td>
      <Table.Td>
        <Text size="xs">{model.collections.join(', ') || '—'}</Text>
      </Table.Td>
      <Table.Td>
        {model.kind === 'hub' && !model.complete && (
          <Button size="compact-xs" variant="light" onClick={onDownload}>
            Download
          </Button>
        )}
        {model.inCache && (
          <Button
            size="compact-xs"
            variant="light"
            color="red"
            disabled={model.collections.length > 0}
            onClick={onRemove}
            data-testid="model-remove"
          >
            Remove
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  )
}
