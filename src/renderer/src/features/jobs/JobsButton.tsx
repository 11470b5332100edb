import { ActionIcon, Badge, Button, Group, Indicator, Popover, Progress, Stack, Text, Tooltip } from '@mantine/core'
import { useMutation } from '@tanstack/react-query'
import type { JobStatus } from '../../../../shared/contract'
import { useJobs, useTransport } from '../../lib/data'
import { formatBytes } from '../../../../shared/format-bytes'

/** The header's jobs button: running and recent jobs from any window, with progress and Cancel. */
export function JobsButton() {
  const jobs = useJobs()
  const running = jobs.data?.filter((j) => j.state === 'running').length ?? 0
  return (
    <Popover width={380} position="bottom-end" shadow="md">
      <Popover.Target>
        <Indicator label={running} size={16} disabled={running === 0} data-testid="jobs-running">
          <Tooltip label="Jobs">
            <ActionIcon variant="subtle" aria-label="Jobs" data-testid="jobs-button">
              <JobsIcon />
            </ActionIcon>
          </Tooltip>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown data-testid="jobs-panel">
        <Stack gap="sm">
          {jobs.data?.length ? (
            jobs.data.slice(0, 10).map((job) => <JobRow key={job.jobId} job={job} />)
          ) : (
            <Text size="sm" c="dimmed">
              No jobs yet. Ingests, copies, imports, backups, restores, index rebuilds and clones appear here.
            </Text>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  )
}

/** A list with a progress bar; drawn, so it shows on systems without an emoji font. */
function JobsIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" fill="none" stroke="currentColor">
      <path d="M3 4.5h12M3 9h12" strokeWidth="1.6" strokeLinecap="round" />
      <rect x="3" y="12.2" width="12" height="2.6" rx="1.3" strokeWidth="1.2" />
      <rect x="3" y="12.2" width="6" height="2.6" rx="1.3" fill="currentColor" stroke="none" />
    </svg>
  )
}

const STATE_COLOR: Record<JobStatus['state'], string> = {
  running: 'blue',
  done: 'green',
  failed: 'red',
  cancelled: 'gray'
}

function amount(n: number, unit: JobStatus['unit']): string {
  return unit === 'bytes' ? formatBytes(n) : `${n.toLocaleString()} ${unit}`
}

export function JobRow({ job }: { job: JobStatus }) {
  const transport = useTransport()
  const cancel = useMutation({ mutationFn: () => transport.call('jobs.cancel', { jobId: job.jobId }) })
  const share = job.total > 0 ? Math.min(100, (job.done / job.total) * 100) : 0
  return (
    <Stack gap={4} data-testid="job" data-job-kind={job.kind} data-job-state={job.state}>
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" fw={500} truncate>
          {job.title}
        </Text>
        <Badge size="sm" color={STATE_COLOR[job.state]}>
          {job.state}
        </Badge>
      </Group>
      {job.state === 'running' && (
        <>
          <Progress value={share} animated={job.total === 0} aria-label={`${job.title} progress`} />
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              {job.phase ? `${job.phase}: ` : ''}
              {job.total > 0 ? `${amount(job.done, job.unit)} of ${amount(job.total, job.unit)}` : 'starting'}
            </Text>
            <Button
              size="compact-xs"
              variant="light"
              color="red"
              onClick={() => cancel.mutate()}
              loading={cancel.isPending}
            >
              Cancel
            </Button>
          </Group>
        </>
      )}
      {job.error && (
        <Text size="xs" c={job.state === 'cancelled' ? 'dimmed' : 'red'}>
          {job.error}
        </Text>
      )}
      {job.state === 'done' && job.finishedAt !== null && (
        <Text size="xs" c="dimmed">
          Finished in {((job.finishedAt - job.startedAt) / 1000).toFixed(1)} s
        </Text>
      )}
    </Stack>
  )
}
