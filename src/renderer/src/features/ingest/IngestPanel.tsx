import { useCallback, useRef, useState, type ChangeEvent } from 'react'
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text
} from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { keepPreviousData, useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query'
import { useDropzone } from 'react-dropzone'
import type { ChunkPreview, FieldMapping } from '../../../../shared/contract'
import { useJobs, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { formatBytes } from '../../../../shared/format-bytes'
import { base64Length, isSupported, planBatches, relativeName, SUPPORTED_EXTENSIONS } from './files'
import { IngestJobView } from './IngestJobView'
import { FieldMappingEditor } from './FieldMappingEditor'
import { MAX_CALL_BYTES, readBase64, uploadFile } from '../../lib/read-file'

type PickedState = 'pending' | 'uploading' | 'uploaded' | 'failed' | 'unsupported'

interface Picked {
  name: string
  size: number
  file: File
  state: PickedState
  error?: string
}

// The job shown per collection, so leaving the tab and coming back finds a running ingest again.
const shownJobs = new Map<string, string>()

const DEFAULT_CHUNK_SIZE = 200
const DEFAULT_OVERLAP = 30
const PREVIEW_CHUNKS = 20

const STATE_BADGE: Record<PickedState, { color: string; label: string }> = {
  pending: { color: 'gray', label: 'waiting' },
  uploading: { color: 'blue', label: 'uploading' },
  uploaded: { color: 'teal', label: 'ready' },
  failed: { color: 'red', label: 'upload failed' },
  unsupported: { color: 'gray', label: 'skipped: unsupported type' }
}

/**
 * Drag-in ingest: files are dropped or chosen, uploaded as they arrive (base64, in calls of at most
 * ~20 MiB sharing one upload id), previewed as chunks, then ingested by a job whose progress is shown.
 */
export function IngestPanel({ collectionId, onDone }: { collectionId: string; onDone: () => void }) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const [picked, setPicked] = useState<Picked[]>([])
  const [uploadId, setUploadId] = useState<string | null>(null)
  const [previewFile, setPreviewFile] = useState<string | null>(null)
  const [chunkSize, setChunkSize] = useState<number | string>(DEFAULT_CHUNK_SIZE)
  const [overlap, setOverlap] = useState<number | string>(DEFAULT_OVERLAP)
  const [jobId, setJobIdState] = useState<string | null>(() => shownJobs.get(collectionId) ?? null)
  const setJobId = useCallback(
    (id: string | null) => {
      if (id === null) shownJobs.delete(collectionId)
      else shownJobs.set(collectionId, id)
      setJobIdState(id)
    },
    [collectionId]
  )
  // Structured files' field choices, by file name; a file not here gets the server's guess.
  const [mappings, setMappings] = useState<Record<string, FieldMapping>>({})
  // Each structured file's mapping as a preview of this upload showed it (see startMappings).
  const [shownMappings, setShownMappings] = useState<Record<string, FieldMapping>>({})
  const jobs = useJobs()
  // Jobs belong to the app: after a reload (or from another window) a running ingest into this
  // collection is found in the main side's job list and shown again, with its progress and Cancel.
  // Adopted while rendering (React's way to adjust state to new data), not in an effect.
  const running = jobs.data?.find(
    (j) => j.kind === 'ingest' && j.collectionId === collectionId && j.state === 'running'
  )
  if (jobId === null && picked.length === 0 && running) setJobId(running.jobId)
  // Uploads run one after another so every call after the first reuses the same upload id.
  const queue = useRef<Promise<void>>(Promise.resolve())
  const uploadIdRef = useRef<string | null>(null)
  // Bumped on reset, so uploads still in flight from before do not touch the new state.
  const generation = useRef(0)
  const fileInput = useRef<HTMLInputElement>(null)
  const folderInput = useRef<HTMLInputElement>(null)

  const patch = useCallback((names: Set<string>, change: Partial<Picked>) => {
    setPicked((list) => list.map((p) => (names.has(p.name) ? { ...p, ...change } : p)))
  }, [])

  const upload = useCallback(
    async (entries: Picked[], gen: number) => {
      for (const batch of planBatches(entries)) {
        if (gen !== generation.current) return
        const names = new Set(batch.map((p) => p.name))
        patch(names, { state: 'uploading', error: undefined })
        try {
          const [only] = batch
          // A file bigger than one call travels alone, in parts; smaller ones share calls.
          const res =
            batch.length === 1 && only && base64Length(only.size) > MAX_CALL_BYTES
              ? {
                  uploadId: await uploadFile(transport.call, only.file, only.name, {
                    ...(uploadIdRef.current ? { uploadId: uploadIdRef.current } : {})
                  })
                }
              : await transport.call('ingest.upload', {
                  uploadId: uploadIdRef.current ?? undefined,
                  files: await Promise.all(batch.map(async (p) => ({ name: p.name, data: await readBase64(p.file) })))
                })
          if (gen !== generation.current) return
          uploadIdRef.current = res.uploadId
          setUploadId(res.uploadId)
          patch(names, { state: 'uploaded' })
          setPreviewFile((current) => current ?? batch[0]?.name ?? null)
        } catch (e) {
          if (gen !== generation.current) return
          patch(names, { state: 'failed', error: e instanceof Error ? e.message : String(e) })
        }
      }
    },
    [transport, patch]
  )

  const addFiles = useCallback(
    (files: File[]) => {
      if (files.length === 0) return
      const entries: Picked[] = files.map((file) => {
        const name = relativeName(file as File & { path?: string })
        return { name, size: file.size, file, state: isSupported(name) ? 'pending' : 'unsupported' }
      })
      // Dropping a file again replaces the earlier one of the same name (the staged copy is overwritten).
      setPicked((list) => {
        const byName = new Map(list.map((p) => [p.name, p]))
        for (const e of entries) byName.set(e.name, e)
        return [...byName.values()]
      })
      const gen = generation.current
      const toSend = entries.filter((e) => e.state === 'pending')
      if (toSend.length > 0) queue.current = queue.current.then(() => upload(toSend, gen))
    },
    [upload]
  )

  const reset = (): void => {
    generation.current += 1
    uploadIdRef.current = null
    setUploadId(null)
    setPicked([])
    setPreviewFile(null)
    setMappings({})
    setShownMappings({})
    setJobId(null)
  }

  const { getRootProps, isDragActive } = useDropzone({
    onDrop: (accepted) => addFiles(accepted),
    noClick: true,
    noKeyboard: true,
    disabled: jobId !== null
  })

  // `webkitdirectory` is not in React's input typings; set it on the element whenever it mounts.
  const folderRef = useCallback((el: HTMLInputElement | null) => {
    folderInput.current = el
    el?.setAttribute('webkitdirectory', '')
  }, [])

  const onInputChange = (e: ChangeEvent<HTMLInputElement>): void => {
    addFiles(Array.from(e.currentTarget.files ?? []))
    // Lets the same files be chosen again.
    e.currentTarget.value = ''
  }

  const size = typeof chunkSize === 'number' && chunkSize >= 1 ? chunkSize : null
  const over = typeof overlap === 'number' && overlap >= 0 ? overlap : null
  const [previewParams] = useDebouncedValue(
    {
      file: previewFile,
      chunkSize: size,
      overlap: over,
      fields: previewFile !== null ? (mappings[previewFile] ?? null) : null
    },
    300
  )
  const uploaded = picked.filter((p) => p.state === 'uploaded')
  const previewReady =
    uploadId !== null &&
    previewParams.file !== null &&
    previewParams.chunkSize !== null &&
    previewParams.overlap !== null &&
    uploaded.some((p) => p.name === previewParams.file)

  const preview = useQuery({
    queryKey: queryKeys.ingestPreview(uploadId ?? '', previewParams),
    queryFn: () =>
      transport.call('ingest.preview', {
        uploadId: uploadId as string,
        collectionId,
        file: previewParams.file as string,
        chunkSize: previewParams.chunkSize as number,
        overlap: previewParams.overlap as number,
        limit: PREVIEW_CHUNKS,
        ...(previewParams.fields && previewParams.fields.document.length > 0 ? { fields: previewParams.fields } : {})
      }),
    enabled: previewReady && jobId === null,
    // The field pickers stay on screen while a new choice is previewed.
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: Infinity
  })

  // The mapping a preview showed is what the ingest uses, edited or not, for every file previewed (also
  // one the preview has since moved away from): left out, the ingest would guess again from the whole
  // file, and could choose otherwise than the preview guessed from the file's head. Only an answer for
  // the current upload counts, never the previous answer kept on screen while the next one loads.
  // Adopted while rendering, as the jobs above.
  const answered = !preview.isPlaceholderData ? preview.data : undefined
  if (answered?.table && shownMappings[answered.file] !== answered.table.mapping) {
    const { file, table } = answered
    setShownMappings((all) => ({ ...all, [file]: table.mapping }))
  }
  const startMappings = { ...shownMappings, ...mappings }
  const start = useMutation({
    mutationFn: (chunking: { chunkSize: number; overlap: number }) =>
      transport.call('ingest.start', {
        uploadId: uploadId as string,
        collectionId,
        ...chunking,
        ...(Object.keys(startMappings).length > 0 ? { fields: startMappings } : {})
      }),
    onSuccess: (status) => {
      queryClient.setQueryData(queryKeys.ingest(status.jobId), status)
      // The server hands the staged files to the job; later drops start a new upload.
      generation.current += 1
      uploadIdRef.current = null
      setJobId(status.jobId)
    }
  })

  const uploading = picked.some((p) => p.state === 'pending' || p.state === 'uploading')
  const mappingsValid = Object.values(mappings).every((m) => m.document.length > 0)
  const canStart =
    uploadId !== null && uploaded.length > 0 && !uploading && size !== null && over !== null && mappingsValid

  const hidden = (
    <>
      <input ref={fileInput} type="file" multiple hidden onChange={onInputChange} data-testid="ingest-file-input" />
      <input ref={folderRef} type="file" multiple hidden onChange={onInputChange} data-testid="ingest-folder-input" />
    </>
  )

  if (jobId !== null) {
    return (
      <Stack gap="sm" data-testid="ingest-panel">
        <IngestJobView jobId={jobId} onShowRecords={onDone} onAddMore={reset} />
      </Stack>
    )
  }

  return (
    <Stack gap="sm" data-testid="ingest-panel">
      {hidden}
      <Paper
        {...getRootProps()}
        withBorder
        p="xl"
        radius="md"
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          borderColor: isDragActive ? 'var(--mantine-color-blue-filled)' : undefined,
          background: isDragActive ? 'var(--mantine-color-blue-light)' : undefined
        }}
        data-testid="ingest-dropzone"
        data-drag-active={isDragActive ? 'true' : 'false'}
      >
        <Stack align="center" gap="xs">
          <Text fw={600}>{isDragActive ? 'Drop to add' : 'Drop files or folders here'}</Text>
          <Text size="sm" c="dimmed" ta="center">
            Reads {SUPPORTED_EXTENSIONS.join(' ')}; other files are skipped.
          </Text>
          <Group gap="xs">
            <Button variant="light" onClick={() => fileInput.current?.click()} data-testid="ingest-choose-files">
              Choose files
            </Button>
            <Button variant="light" onClick={() => folderInput.current?.click()} data-testid="ingest-choose-folder">
              Choose folder
            </Button>
          </Group>
        </Stack>
      </Paper>

      {picked.length > 0 && (
        <Card withBorder padding="sm">
          <Group justify="space-between" mb="xs">
            <Text fw={600} size="sm">
              {picked.length} file{picked.length === 1 ? '' : 's'} · {uploaded.length} ready
            </Text>
            <Button size="compact-xs" variant="subtle" color="gray" onClick={reset} data-testid="ingest-clear">
              Clear
            </Button>
          </Group>
          <ScrollArea.Autosize mah={220}>
            <Table verticalSpacing={4} fz="sm">
              <Table.Tbody>
                {picked.map((p) => (
                  <Table.Tr key={p.name} data-testid="ingest-file" data-name={p.name} data-state={p.state}>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{p.name}</Table.Td>
                    <Table.Td w={90} c="dimmed">
                      {formatBytes(p.size)}
                    </Table.Td>
                    <Table.Td w={220}>
                      <Badge color={STATE_BADGE[p.state].color} variant="light" tt="none">
                        {STATE_BADGE[p.state].label}
                      </Badge>
                      {p.error && (
                        <Text size="xs" c="red">
                          {p.error}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </Card>
      )}

      {uploaded.length > 0 && (
        <Card withBorder padding="sm">
          <Stack gap="sm">
            <Group align="flex-end" gap="sm">
              <Select
                label="Preview file"
                data={uploaded.map((p) => p.name)}
                value={previewFile}
                onChange={setPreviewFile}
                allowDeselect={false}
                searchable
                style={{ flex: 1, minWidth: 200 }}
                data-testid="ingest-preview-file"
              />
              <NumberInput
                label="Chunk size (tokens)"
                value={chunkSize}
                onChange={setChunkSize}
                min={1}
                allowDecimal={false}
                allowNegative={false}
                w={160}
                error={size === null ? 'At least 1' : undefined}
                data-testid="ingest-chunk-size"
              />
              <NumberInput
                label="Overlap (tokens)"
                value={overlap}
                onChange={setOverlap}
                min={0}
                allowDecimal={false}
                allowNegative={false}
                w={140}
                error={over === null ? '0 or more' : undefined}
                data-testid="ingest-overlap"
              />
            </Group>
            {preview.data?.table && previewFile !== null && preview.data.file === previewFile && (
              <FieldMappingEditor
                table={preview.data.table}
                value={mappings[previewFile] ?? preview.data.table.mapping}
                partial={preview.data.head !== undefined}
                onChange={(m) => setMappings((all) => ({ ...all, [previewFile]: m }))}
              />
            )}
            <ChunkPreviewView preview={preview} />
          </Stack>
        </Card>
      )}

      {start.isError && (
        <Alert color="red" title="Could not start" data-testid="ingest-start-error">
          {start.error.message}
        </Alert>
      )}
      <Group justify="flex-end">
        {uploading && (
          <Group gap="xs">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              Uploading…
            </Text>
          </Group>
        )}
        <Button
          disabled={!canStart}
          loading={start.isPending}
          onClick={() => {
            // Start is enabled only when both are valid (canStart); this narrows them for TypeScript.
            if (size !== null && over !== null) start.mutate({ chunkSize: size, overlap: over })
          }}
          data-testid="ingest-start"
        >
          Start{uploaded.length > 0 ? ` (${uploaded.length} file${uploaded.length === 1 ? '' : 's'})` : ''}
        </Button>
      </Group>
    </Stack>
  )
}

function ChunkPreviewView({ preview }: { preview: UseQueryResult<ChunkPreview> }) {
  if (preview.isError) {
    return (
      <Alert color="red" title="No preview" data-testid="ingest-preview-error">
        {preview.error.message}
      </Alert>
    )
  }
  if (!preview.data && preview.fetchStatus === 'idle') {
    return (
      <Text size="sm" c="dimmed">
        Choose a file and chunk settings to see its chunks.
      </Text>
    )
  }
  if (!preview.data) {
    return (
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          Chunking…
        </Text>
      </Group>
    )
  }
  const { chunks, total, file, head } = preview.data
  return (
    <Stack gap="xs" data-testid="ingest-preview" data-total={total} style={{ opacity: preview.isFetching ? 0.6 : 1 }}>
      <Text size="sm">
        <b>{file}</b>
        {head ? `: its first ${formatBytes(head.bytes)} (of ${formatBytes(head.of)}) give ` : ' gives '}
        {total} {preview.data.table ? 'record' : 'chunk'}
        {total === 1 ? '' : 's'}
        {total > chunks.length ? ` (showing the first ${chunks.length})` : ''}
      </Text>
      {total === 0 && (
        <Text size="sm" c="dimmed">
          No text found in this file.
        </Text>
      )}
      <ScrollArea.Autosize mah={420}>
        <Stack gap={6}>
          {chunks.map((c) => (
            <Paper key={c.index} withBorder p="xs" data-testid="ingest-chunk" data-tokens={c.tokens}>
              <Group gap="xs" mb={4}>
                <Badge size="sm" variant="light" tt="none">
                  {preview.data.table ? `row ${c.index + 1}` : `#${c.index}`}
                </Badge>
                {c.id !== undefined && (
                  <Badge size="sm" variant="outline" tt="none" data-testid="ingest-chunk-id">
                    id {c.id}
                  </Badge>
                )}
                <Text size="xs" c="dimmed">
                  {c.tokens} tokens{c.page !== undefined ? ` · page ${c.page}` : ''}
                </Text>
              </Group>
              {c.metadata && Object.keys(c.metadata).length > 0 && (
                <Group gap={4} mb={4} data-testid="ingest-chunk-metadata">
                  {Object.entries(c.metadata).map(([k, v]) => (
                    <Badge key={k} size="xs" color="gray" variant="light" tt="none">
                      {k}: {JSON.stringify(v)}
                    </Badge>
                  ))}
                </Group>
              )}
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                {c.text}
              </Text>
            </Paper>
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  )
}
