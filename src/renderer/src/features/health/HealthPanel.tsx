import { Alert, Badge, Button, Group, Loader, Stack, Table, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import type { IndexProblems, JobStatus, VerifyReport } from '../../../../shared/contract'
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import { formatBytes } from '../../../../shared/format-bytes'
import { useConnection, useJobs, useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { queryKeys } from '../../lib/query-keys'
import { JobRow } from '../jobs/JobsButton'

/** The newest job of a kind for this collection (the job list keeps the recent ones, from any window). */
function latestJob(
  jobs: JobStatus[] | undefined,
  kind: JobStatus['kind'],
  collectionId: string
): JobStatus | undefined {
  return jobs?.find((j) => j.kind === kind && j.collectionId === collectionId)
}

/**
 * A collection's index health and storage: records, SQLite bytes, index bytes, lag, the last
 * verification; Verify and Rebuild index run as app jobs (docs/index-health.md).
 */
export function HealthPanel({ collectionId }: { collectionId: string }) {
  const { connection } = useConnection()
  if (connection !== LOCAL_CONNECTION) {
    return (
      <Alert color="gray" title="Not available for a Chroma server" data-testid="health-remote">
        Index health, verify, rebuild and compact work on the built-in database only: Chroma&apos;s API has no calls for
        them.
      </Alert>
    )
  }
  return <LocalHealth collectionId={collectionId} />
}

function LocalHealth({ collectionId }: { collectionId: string }) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const jobs = useJobs()
  const health = useQuery({
    queryKey: queryKeys.health(collectionId),
    queryFn: () => transport.call('collections.health', { id: collectionId })
  })
  const verify = useMutation({ mutationFn: () => transport.call('collections.verifyIndex', { id: collectionId }) })
  const rebuild = useMutation({ mutationFn: () => transport.call('collections.rebuildIndex', { id: collectionId }) })
  const lastVerify = latestJob(jobs.data, 'verify', collectionId)
  const lastRebuild = latestJob(jobs.data, 'rebuild', collectionId)
  const running = [lastVerify, lastRebuild].some((j) => j?.state === 'running')
  // A finished job changes what the report shows (sizes, snapshot, lag).
  const finished = `${lastVerify?.finishedAt ?? ''}-${lastRebuild?.finishedAt ?? ''}`
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.health(collectionId) })
  }, [finished, collectionId, queryClient])

  if (health.isPending) return <Loader size="sm" />
  if (health.isError) {
    return (
      <Alert color="red" title="Could not read the collection's health" data-testid="health-error">
        {health.error.message}
      </Alert>
    )
  }
  const h = health.data
  const db = h.storage.database
  return (
    <Stack gap="sm" data-testid="health-panel">
      <Table variant="vertical" withTableBorder={false} data-testid="health-table">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={220}>Records</Table.Th>
            <Table.Td data-testid="health-records">{plural(h.records)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Row contents in SQLite</Table.Th>
            <Table.Td data-testid="health-payload">
              {formatBytes(h.storage.payloadBytes)}{' '}
              <Text span size="xs" c="dimmed">
                ids, documents, URIs, embeddings and metadata; SQLite&apos;s shared indexes and pages are not attributed
                to one collection
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Database file (all collections)</Table.Th>
            <Table.Td data-testid="health-file">
              {formatBytes(db.fileBytes)} + WAL {formatBytes(db.walBytes)}, of which free {formatBytes(db.freeBytes)}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Index snapshot on disk</Table.Th>
            <Table.Td data-testid="health-snapshot">
              {h.index.snapshot ? formatBytes(h.index.snapshot.bytes) : 'none yet'}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Index in memory</Table.Th>
            <Table.Td data-testid="health-memory">
              {h.index.memory
                ? `~${formatBytes(h.index.memory.memoryBytes)} (${h.index.memory.live.toLocaleString()} vectors, estimate)`
                : h.index.state === 'not-loaded'
                  ? 'not loaded (loads at the first query or write)'
                  : h.index.state === 'no-vectors'
                    ? 'no vectors yet'
                    : 'busy, not measured'}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Index lag</Table.Th>
            <Table.Td data-testid="health-lag">
              {h.lag.upserts.toLocaleString()} records and {h.lag.removals.toLocaleString()} deletions not indexed yet
              {h.lag.sinceSnapshot === null
                ? ''
                : `; ${h.lag.sinceSnapshot.toLocaleString()} writes since the snapshot`}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Group gap="xs">
        <Button size="xs" onClick={() => verify.mutate()} disabled={running} data-testid="health-verify">
          Verify
        </Button>
        <Button
          size="xs"
          variant="light"
          onClick={() => rebuild.mutate()}
          disabled={running}
          data-testid="health-rebuild"
        >
          Rebuild index
        </Button>
        <Button size="xs" variant="subtle" onClick={() => void health.refetch()} data-testid="health-refresh">
          Refresh
        </Button>
      </Group>
      {(verify.error ?? rebuild.error) && (
        <Alert color="red" data-testid="health-action-error">
          {(verify.error ?? rebuild.error)?.message}
        </Alert>
      )}
      {lastRebuild?.state === 'running' && <JobRow job={lastRebuild} />}
      {lastVerify && <VerifyResult job={lastVerify} />}
    </Stack>
  )
}

function problemLine(label: string, p: IndexProblems): string {
  return `${p.count.toLocaleString()} ${label}${p.examples.length ? `: ${p.examples.join(', ')}${p.count > p.examples.length ? ', …' : ''}` : ''}`
}

/** The last verification of this collection: running (with progress), or its findings. */
function VerifyResult({ job }: { job: JobStatus }) {
  if (job.state === 'running') return <JobRow job={job} />
  if (job.state !== 'done' || job.result === null) return <JobRow job={job} />
  const r = job.result as unknown as VerifyReport
  return (
    <Alert
      color={r.healthy ? 'green' : 'red'}
      title={r.healthy ? 'The index matches the database' : 'The index does not match the database'}
      data-testid="verify-result"
      data-healthy={String(r.healthy)}
    >
      <Stack gap={2}>
        <Text size="sm">
          {plural(r.checked)} compared in {r.seconds.toFixed(1)} s, {new Date(job.finishedAt ?? 0).toLocaleTimeString()}
        </Text>
        {!r.healthy && (
          <>
            <Text size="sm" data-testid="verify-missing">
              {problemLine('missing (in the database, not in the index)', r.missing)}
            </Text>
            <Text size="sm" data-testid="verify-extra">
              {problemLine('extra (in the index, not in the database)', r.extra)}
            </Text>
            <Text size="sm" data-testid="verify-stale">
              {problemLine('stale (vector differs from the database)', r.stale)}
            </Text>
            <Text size="sm">Rebuild the index to repair it; the database itself is intact.</Text>
          </>
        )}
      </Stack>
    </Alert>
  )
}

/** Database-wide compaction for the engine status card: VACUUM as an app job, with the bytes it freed. */
export function CompactDatabase() {
  const transport = useTransport()
  const jobs = useJobs()
  const compact = useMutation({ mutationFn: () => transport.call('database.compact', {}) })
  const last = jobs.data?.find((j) => j.kind === 'compact')
  const result = last?.state === 'done' ? (last.result as { freedBytes: number; seconds: number } | null) : null
  return (
    <Stack gap={4} data-testid="compact">
      <Group gap="xs">
        <Button
          size="xs"
          variant="light"
          onClick={() => compact.mutate()}
          loading={compact.isPending || last?.state === 'running'}
          data-testid="compact-button"
        >
          Compact
        </Button>
        <Text size="xs" c="dimmed">
          Returns the space of deleted records and collections to the disk (VACUUM). Writes wait while it runs; it
          cannot be cancelled once started.
        </Text>
      </Group>
      {result && (
        <Badge variant="light" color="green" tt="none" data-testid="compact-result" data-freed={result.freedBytes}>
          Freed {formatBytes(result.freedBytes)} in {result.seconds.toFixed(1)} s
        </Badge>
      )}
      {last?.state === 'failed' && (
        <Text size="xs" c="red" data-testid="compact-error">
          {last.error}
        </Text>
      )}
      {compact.error && (
        <Text size="xs" c="red">
          {compact.error.message}
        </Text>
      )}
    </Stack>
  )
}
