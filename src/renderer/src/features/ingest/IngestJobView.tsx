import { Alert, Badge, Button, Card, Group, Loader, Progress, SimpleGrid, Stack, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { IngestStatus } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { formatBytes } from '../../../../shared/format-bytes'

type FileStatus = IngestStatus['files'][number]

/** Where each step starts on a file's bar, and how much of it the step fills as it goes. */
const STEP_SHARE = { parsing: [0, 5], chunking: [5, 10], embedding: [15, 80], writing: [95, 5] } as const

/** A step's own numbers: bytes read, share of the text chunked, chunks embedded. */
function stepLabel(f: Extract<FileStatus, { state: 'working' }>): string {
  if (f.total <= 0) return f.step
  if (f.step === 'parsing') return `reading ${formatBytes(f.done)} of ${formatBytes(f.total)}`
  if (f.step === 'chunking') return `chunking ${Math.floor((100 * f.done) / f.total)}%`
  return `${f.step} ${f.done}/${f.total}`
}

/** A file's bar: reading and chunking are quick, embedding is most of the work, writing the end. */
function fileProgress(f: FileStatus): { value: number; color: string; label: string; animated: boolean } {
  switch (f.state) {
    case 'queued':
      return { value: 0, color: 'gray', label: 'queued', animated: false }
    case 'working': {
      const [start, share] = STEP_SHARE[f.step]
      const within = f.total > 0 ? (share * f.done) / f.total : 0
      return { value: start + within, color: 'blue', label: stepLabel(f), animated: true }
    }
    case 'written':
      return {
        value: 100,
        color: 'teal',
        label: `${f.chunks} chunk${f.chunks === 1 ? '' : 's'} written${f.replaced > 0 ? `, ${f.replaced} replaced` : ''}`,
        animated: false
      }
    case 'skipped':
      return { value: 100, color: 'gray', label: `skipped: ${f.reason}`, animated: false }
    case 'failed':
      return { value: 100, color: 'red', label: 'failed', animated: false }
  }
}

/**
 * A running or finished ingest job. Push events update the job's query as it runs; the 1 s poll covers
 * a missed event (and the browser's event stream reconnecting).
 */
export function IngestJobView({
  jobId,
  onShowRecords,
  onAddMore
}: {
  jobId: string
  onShowRecords: () => void
  onAddMore: () => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const status = useQuery({
    queryKey: queryKeys.ingest(jobId),
    queryFn: () => transport.call('ingest.status', { jobId }),
    refetchInterval: (query) => {
      const data = query.state.data
      return data && (data.summary !== null || data.error !== null) ? false : 1000
    }
  })
  const cancel = useMutation({
    mutationFn: () => transport.call('ingest.cancel', { jobId }),
    onSuccess: (s) => queryClient.setQueryData(queryKeys.ingest(jobId), s)
  })

  if (status.isPending) {
    return (
      <Group>
        <Loader size="sm" />
        <Text>Starting…</Text>
      </Group>
    )
  }
  if (status.isError) {
    return (
      <Alert color="red" title="Cannot follow the ingest job" data-testid="ingest-error">
        {status.error.message}
        <Group mt="sm">
          <Button size="xs" variant="light" onClick={() => void status.refetch()}>
            Try again
          </Button>
          <Button size="xs" variant="subtle" onClick={onAddMore}>
            Start over
          </Button>
        </Group>
      </Alert>
    )
  }

  const s = status.data
  const running = s.summary === null && s.error === null
  const { counts } = s

  return (
    <Stack gap="sm" data-testid="ingest-job" data-running={running ? 'true' : 'false'}>
      <Card withBorder>
        <Stack gap="xs">
          <Group justify="space-between">
            <Group gap="xs">
              {running && <Loader size="xs" />}
              <Text fw={600}>
                {running ? 'Adding documents…' : s.summary?.cancelled ? 'Cancelled' : s.error ? 'Stopped' : 'Done'}
              </Text>
            </Group>
            {running && (
              <Button
                size="xs"
                color="red"
                variant="light"
                onClick={() => cancel.mutate()}
                loading={cancel.isPending}
                data-testid="ingest-cancel"
              >
                Cancel
              </Button>
            )}
          </Group>
          <Text size="sm" data-testid="ingest-counts">
            Files {counts.filesDone}/{counts.filesTotal} · chunks {counts.chunks} · embedded {counts.embeddings} ·
            written {counts.chunksWritten}
          </Text>
          <Progress
            value={counts.filesTotal > 0 ? (100 * counts.filesDone) / counts.filesTotal : 0}
            animated={running}
            size="sm"
          />
          {cancel.isError && (
            <Text size="sm" c="red">
              Could not cancel: {cancel.error.message}
            </Text>
          )}
        </Stack>
      </Card>

      {s.error !== null && (
        <Alert color="red" title="The ingest could not run" data-testid="ingest-job-error">
          {s.error}
        </Alert>
      )}

      <Stack gap={6}>
        {s.files.map((f) => {
          const p = fileProgress(f)
          return (
            <div key={f.name} data-testid="ingest-file-progress" data-name={f.name} data-state={f.state}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text size="sm" truncate="start" title={f.name}>
                  {f.name}
                </Text>
                <Text size="xs" c={f.state === 'failed' ? 'red' : 'dimmed'} style={{ flexShrink: 0 }}>
                  {p.label}
                </Text>
              </Group>
              <Progress value={p.value} color={p.color} animated={p.animated} size="sm" />
              {f.state === 'failed' && (
                <Text size="xs" c="red" data-testid="ingest-file-error">
                  {f.error}
                </Text>
              )}
            </div>
          )
        })}
      </Stack>

      {s.summary !== null && (
        <Card withBorder data-testid="ingest-summary">
          <Stack gap="sm">
            <Group gap="xs">
              <Text fw={600}>Summary</Text>
              {s.summary.cancelled && <Badge color="orange">cancelled</Badge>}
              <Text size="sm" c="dimmed">
                in {s.summary.seconds.toFixed(1)} s
              </Text>
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} spacing="xs">
              <Stat label="Ingested" value={s.summary.ingested} testId="ingest-summary-ingested" />
              <Stat label="Unchanged" value={s.summary.unchanged} testId="ingest-summary-unchanged" />
              <Stat label="Skipped" value={s.summary.skipped} testId="ingest-summary-skipped" />
              <Stat
                label="Failed"
                value={s.summary.failed}
                testId="ingest-summary-failed"
                color={s.summary.failed > 0 ? 'red' : undefined}
              />
              <Stat label="Chunks written" value={s.summary.chunksWritten} testId="ingest-summary-chunks" />
              <Stat label="Chunks deleted" value={s.summary.chunksDeleted} testId="ingest-summary-deleted" />
            </SimpleGrid>
            <Group>
              <Button onClick={onShowRecords} data-testid="ingest-show-records">
                Show records
              </Button>
              <Button variant="default" onClick={onAddMore} data-testid="ingest-add-more">
                Add more files
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {s.summary === null && s.error !== null && (
        <Group>
          <Button variant="default" onClick={onAddMore} data-testid="ingest-add-more">
            Start over
          </Button>
        </Group>
      )}
    </Stack>
  )
}

function Stat({ label, value, testId, color }: { label: string; value: number; testId: string; color?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} size="lg" c={color} data-testid={testId}>
        {value}
      </Text>
    </Stack>
  )
}
