import { useState } from 'react'
import { Button, Modal, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation } from '@tanstack/react-query'
import type { CollectionSummary } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { DialogFooter } from '../../components/DialogFooter'
import { collectionNameError } from './names'

/**
 * "Fork…": the collection as it is (records, metadata, configuration) under a new name, as a job in the
 * Jobs panel (Chroma 1.5's fork; docs/chroma-1.5.md). The main side checks the name before it starts.
 */
export function ForkCollectionModal({ collection, onClose }: { collection: CollectionSummary; onClose: () => void }) {
  const transport = useTransport()
  const [name, setName] = useState(`${collection.name}-fork`)
  const nameError = collectionNameError(name)
  const fork = useMutation({
    mutationFn: () => transport.call('collections.fork', { collectionId: collection.id, name }),
    onSuccess: (job) => {
      notifications.show({ color: 'blue', title: 'Fork started', message: `${job.title}: follow it in Jobs` })
      onClose()
    }
  })

  return (
    <Modal opened onClose={onClose} title={`Fork ${collection.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (nameError === null) fork.mutate()
        }}
      >
        <Stack data-testid="fork-form">
          <Text size="sm">
            Copies {plural(collection.count)} with their embeddings, the metadata and the settings into a new
            collection; this one stays as it is.
          </Text>
          <TextInput
            label="New collection name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            data-autofocus
            data-testid="fork-name"
          />
          <DialogFooter
            error={fork.error}
            errorTitle="The fork was refused"
            errorTestId="fork-error"
            onCancel={onClose}
          >
            <Button type="submit" disabled={nameError !== null} loading={fork.isPending} data-testid="fork-submit">
              Start fork
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
