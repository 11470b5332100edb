import { useState } from 'react'
import { Button, Modal, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation } from '@tanstack/react-query'
import type { CollectionSummary } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { DialogFooter } from '../../components/DialogFooter'

/**
 * "Change model…": every record embedded again with another model, as a job in the Jobs panel; the
 * collection keeps answering with its current model until the job switches it in one step (docs/models.md).
 * The main side checks the model (and that every record has a document) before the job starts.
 */
export function ReembedCollectionModal({
  collection,
  onClose
}: {
  collection: CollectionSummary
  onClose: () => void
}) {
  const transport = useTransport()
  const [model, setModel] = useState('')
  const chosen = model.trim()
  const same = chosen === collection.embeddingModel
  const reembed = useMutation({
    mutationFn: () => transport.call('collections.reembed', { collectionId: collection.id, embeddingModel: chosen }),
    onSuccess: (job) => {
      notifications.show({ color: 'blue', title: 'Re-embedding started', message: `${job.title}: follow it in Jobs` })
      onClose()
    }
  })

  return (
    <Modal opened onClose={onClose} title={`Change the model of ${collection.name}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (chosen !== '' && !same) reembed.mutate()
        }}
      >
        <Stack data-testid="reembed-form">
          <Text size="sm">
            Embeds {plural(collection.count)} again from their documents with the new model. Until it is done the
            collection answers with {collection.embeddingModel ?? 'its current embeddings'}; then it switches in one
            step (the dimension follows the new model). Cancel leaves it as it was; if the app quits, the job resumes at
            the next start.
          </Text>
          <TextInput
            label="New embedding model"
            description="A Hugging Face model id (organization/name) or the absolute path of a model folder"
            placeholder="Xenova/all-MiniLM-L6-v2"
            value={model}
            onChange={(e) => setModel(e.currentTarget.value)}
            error={same ? 'This is the collection’s model already' : null}
            data-autofocus
            data-testid="reembed-model"
          />
          <DialogFooter
            error={reembed.error}
            errorTitle="The re-embedding was refused"
            errorTestId="reembed-error"
            onCancel={onClose}
          >
            <Button
              type="submit"
              disabled={chosen === '' || same}
              loading={reembed.isPending}
              data-testid="reembed-submit"
            >
              Start re-embedding
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
