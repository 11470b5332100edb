import { useState } from 'react'
import { Alert, Button, FileInput, Group, Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation } from '@tanstack/react-query'
import { useTransport } from '../../lib/data'
import { uploadFile } from '../../lib/read-file'

type Policy = 'fail' | 'skip' | 'overwrite'

/** Imports a Chromadesk export file (JSONL or Parquet) into a new or existing collection. */
export function ImportCollection() {
  const transport = useTransport()
  const [open, setOpen] = useState(false)
  const [file, setFile] = useState<File | null>(null)
  const [name, setName] = useState('')
  const [policy, setPolicy] = useState<Policy>('fail')
  const run = useMutation({
    mutationFn: async () => {
      const f = file as File
      const uploadId = await uploadFile(transport.call, f, f.name)
      return transport.call('collections.import', {
        uploadId,
        file: f.name,
        onConflict: policy,
        ...(name.trim() ? { name: name.trim() } : {})
      })
    },
    onSuccess: (r) => {
      notifications.show({
        message: `${r.imported} records imported into ${r.collection}${r.skipped ? `, ${r.skipped} skipped` : ''}${
          r.overwritten ? `, ${r.overwritten} overwritten` : ''
        }`
      })
      setOpen(false)
    }
  })
  return (
    <>
      <Button size="xs" variant="subtle" onClick={() => setOpen(true)} data-testid="import-collection">
        Import a collection file…
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Import a collection">
        <Stack data-testid="import-dialog">
          <FileInput
            label="Export file"
            placeholder="Click to choose a .jsonl or .parquet file…"
            clearable
            description="A file written by Chromadesk's Export (JSONL or Parquet)"
            accept=".jsonl,.parquet,application/x-ndjson,application/vnd.apache.parquet"
            value={file}
            onChange={setFile}
            data-testid="import-file"
          />
          <TextInput
            label="Into collection"
            placeholder="The name in the file"
            description="An existing collection receives the records; otherwise a new one is created"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <div>
            <Text size="sm" fw={500}>
              Ids the collection already holds
            </Text>
            <SegmentedControl
              value={policy}
              onChange={(v) => setPolicy(v as Policy)}
              data={[
                { value: 'fail', label: 'Refuse the import' },
                { value: 'skip', label: 'Skip them' },
                { value: 'overwrite', label: 'Overwrite them' }
              ]}
            />
          </div>
          {run.isError && (
            // Ids in the message (a file's sha256-based ids, say) wrap whole instead of being cut off.
            <Alert color="red" data-testid="import-error" style={{ overflowWrap: 'anywhere' }}>
              {run.error.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={() => run.mutate()} disabled={!file} loading={run.isPending} data-testid="import-start">
              Import
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  )
}
