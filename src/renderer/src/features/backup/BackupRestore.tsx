import { useEffect, useRef, useState } from 'react'
import { Alert, Button, FileInput, Group, Stack, Text, TextInput, Title } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import type { JobStatus } from '../../../../shared/contract'
import { BACKUP_PATH } from '../../../../shared/constants'
import { useTransport } from '../../lib/data'
import { saveBlob, uploadFile } from '../../lib/read-file'
import { JobRow } from '../jobs/JobsButton'

/** Follows one app job until it ends. */
function useJob(jobId: string | null) {
  const transport = useTransport()
  return useQuery<JobStatus>({
    queryKey: ['jobs', jobId],
    queryFn: () => transport.call('jobs.status', { jobId: jobId as string }),
    enabled: jobId !== null,
    refetchInterval: (q) => (q.state.data?.state === 'running' || !q.state.data ? 500 : false)
  })
}

/** Settings' "Backup & restore" of the built-in database (docs/backup-format.md). */
export function BackupRestore() {
  return (
    <Stack gap="sm" data-testid="backup-restore">
      <Title order={5}>Backup &amp; restore</Title>
      <Text size="sm" c="dimmed">
        A backup holds the whole built-in database (every tenant, database and collection) in one file with a checksum;
        the app keeps working while it is taken. A restore recreates one database of a backup here.
      </Text>
      <BackupNow />
      <RestoreBackup />
    </Stack>
  )
}

function BackupNow() {
  const transport = useTransport()
  const [jobId, setJobId] = useState<string | null>(null)
  const job = useJob(jobId)
  const downloaded = useRef<string | null>(null)
  const [downloadError, setDownloadError] = useState<string | null>(null)
  const start = useMutation({
    mutationFn: () => transport.call('database.backup', {}),
    onSuccess: (started) => {
      if (started) setJobId(started.jobId)
    }
  })
  // Browser mode: the finished backup downloads once through the app's key-checked route.
  useEffect(() => {
    const status = job.data
    if (!status || status.state !== 'done' || !status.result?.download || downloaded.current === status.jobId) return
    downloaded.current = status.jobId
    const download = transport.download as (p: string) => Promise<Blob>
    download(`${BACKUP_PATH}/${status.jobId}`)
      .then((blob) => saveBlob(blob, `chromadesk-${new Date().toISOString().slice(0, 10)}.chromadesk-backup`))
      .catch((err: Error) => setDownloadError(err.message))
  }, [job.data, transport])
  return (
    <Stack gap={6}>
      <Group>
        <Button
          size="xs"
          onClick={() => start.mutate()}
          loading={start.isPending}
          disabled={job.data?.state === 'running'}
          data-testid="backup-now"
        >
          Back up now
        </Button>
      </Group>
      {start.isError && <Alert color="red">{start.error.message}</Alert>}
      {downloadError && <Alert color="red">{downloadError}</Alert>}
      {job.data && <JobRow job={job.data} />}
      {job.data?.state === 'done' && (
        <Text size="sm" data-testid="backup-done">
          Backed up {String(job.data.result?.records)} records in {String(job.data.result?.collections)} collections
          {typeof job.data.result?.file === 'string' && !job.data.result.download ? ` to ${job.data.result.file}` : ''}
        </Text>
      )}
      {job.data?.error && (
        <Alert color={job.data.state === 'cancelled' ? 'yellow' : 'red'} data-testid="backup-error">
          {job.data.error}
        </Alert>
      )}
    </Stack>
  )
}

function RestoreBackup() {
  const transport = useTransport()
  const [file, setFile] = useState<File | null>(null)
  const [tenant, setTenant] = useState('default_tenant')
  const [database, setDatabase] = useState('default_database')
  const [jobId, setJobId] = useState<string | null>(null)
  const job = useJob(jobId)
  const start = useMutation({
    mutationFn: async () => {
      const f = file as File
      const uploadId = await uploadFile(transport.call, f, f.name)
      return transport.call('database.restore', { uploadId, file: f.name, tenant, database })
    },
    onMutate: () => setJobId(null),
    onSuccess: (started) => setJobId(started.jobId)
  })
  const error = start.isError ? start.error.message : job.data?.state === 'failed' ? job.data.error : null
  return (
    <Stack gap={6}>
      <FileInput
        label="Restore from a backup"
        placeholder="A .chromadesk-backup file"
        value={file}
        onChange={setFile}
        clearable
        data-testid="restore-file"
      />
      <Group grow>
        <TextInput label="Tenant" value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} />
        <TextInput
          label="Into database"
          description="New, or empty"
          value={database}
          onChange={(e) => setDatabase(e.currentTarget.value)}
          data-testid="restore-database"
        />
      </Group>
      <Group>
        <Button
          size="xs"
          variant="default"
          onClick={() => start.mutate()}
          loading={start.isPending}
          disabled={!file || !database.trim() || job.data?.state === 'running'}
          data-testid="restore-start"
        >
          Restore…
        </Button>
      </Group>
      {job.data && <JobRow job={job.data} />}
      {job.data?.state === 'done' && (
        <Text size="sm" data-testid="restore-done">
          Restored {String(job.data.result?.records)} records into {tenant}/{database}
        </Text>
      )}
      {error && (
        <Alert color="red" title="Restore refused" data-testid="restore-error">
          {error}
        </Alert>
      )}
    </Stack>
  )
}
