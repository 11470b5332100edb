import { useState } from 'react'
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput
} from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation } from '@tanstack/react-query'
import type { CallInput, CollectionSummary, Space } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { DialogFooter } from '../../components/DialogFooter'
import { collectionNameError } from './names'
import { SPACE_OPTIONS } from './CreateCollectionModal'

type HnswField = 'ef_construction' | 'max_neighbors' | 'ef_search'
const HNSW_FIELDS: { field: HnswField; input: 'efConstruction' | 'maxNeighbors' | 'efSearch'; label: string }[] = [
  { field: 'ef_construction', input: 'efConstruction', label: 'ef_construction' },
  { field: 'max_neighbors', input: 'maxNeighbors', label: 'max_neighbors (M)' },
  { field: 'ef_search', input: 'efSearch', label: 'ef_search' }
]

/**
 * "Clone with new settings…": the source's settings prefilled; what changes is sent, the main side
 * checks it and starts a clone job (shown in the Jobs panel). Chroma cannot change the space, the
 * construction parameters or the model of an existing collection, so this makes a new one.
 */
export function CloneCollectionModal({ collection, onClose }: { collection: CollectionSummary; onClose: () => void }) {
  const transport = useTransport()
  const hnsw = (collection.configuration.hnsw ?? {}) as Partial<Record<HnswField, number>>
  const [name, setName] = useState(`${collection.name}-copy`)
  const [space, setSpace] = useState<Space>(collection.space)
  const [params, setParams] = useState<Record<HnswField, number | string>>({
    ef_construction: hnsw.ef_construction ?? '',
    max_neighbors: hnsw.max_neighbors ?? '',
    ef_search: hnsw.ef_search ?? ''
  })
  const [model, setModel] = useState(collection.embeddingModel ?? '')
  const [skip, setSkip] = useState(false)

  const chosenModel = model.trim() === '' ? null : model.trim()
  const reembed = chosenModel !== null && chosenModel !== collection.embeddingModel
  const nameError = collectionNameError(name)

  const clone = useMutation({
    mutationFn: (input: CallInput<'collections.clone'>) => transport.call('collections.clone', input),
    onSuccess: (job) => {
      notifications.show({ color: 'blue', title: 'Clone started', message: `${job.title}: follow it in Jobs` })
      onClose()
    }
  })

  const submit = (): void => {
    if (nameError) return
    const input: CallInput<'collections.clone'> = { collectionId: collection.id, name }
    if (space !== collection.space) input.space = space
    for (const { field, input: key } of HNSW_FIELDS) {
      const value = params[field]
      // Sent as typed (a number, or the text as a number): the engine's rules judge it.
      if (value !== '' && value !== hnsw[field]) input[key] = Number(value)
    }
    if (chosenModel !== collection.embeddingModel) input.embeddingModel = chosenModel
    if (reembed && skip) input.skipWithoutDocument = true
    clone.mutate(input)
  }

  return (
    <Modal opened onClose={onClose} title={`Clone ${collection.name} with new settings`} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
        data-testid="clone-form"
      >
        <Stack>
          <TextInput
            label="Name of the new collection"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            data-autofocus
            data-testid="clone-name"
          />
          <div>
            <Text size="sm" fw={500} mb={4}>
              Distance
            </Text>
            <SegmentedControl<Space> data={SPACE_OPTIONS} value={space} onChange={setSpace} data-testid="clone-space" />
          </div>
          <Group grow>
            {HNSW_FIELDS.map(({ field, label }) => (
              <NumberInput
                key={field}
                label={label}
                value={params[field]}
                onChange={(value) => setParams({ ...params, [field]: value })}
                data-testid={`clone-${field}`}
              />
            ))}
          </Group>
          <TextInput
            label="Embedding model"
            description="A hub id or a local model folder; empty for none (records keep their embeddings)."
            placeholder="none"
            value={model}
            onChange={(e) => setModel(e.currentTarget.value)}
            data-testid="clone-model"
          />
          <Alert color={reembed ? 'orange' : 'gray'} variant="light" data-testid="clone-summary">
            {reembed ? (
              <Stack gap={6}>
                <Text size="sm">
                  {collection.count.toLocaleString()} {collection.count === 1 ? 'document' : 'documents'} will be
                  re-embedded with {chosenModel} (as a job you can cancel); the dimension follows the new model.
                </Text>
                <Checkbox
                  label="Leave out records without a document (otherwise the clone is refused if there are any)"
                  checked={skip}
                  onChange={(e) => setSkip(e.currentTarget.checked)}
                  data-testid="clone-skip-without-document"
                />
              </Stack>
            ) : (
              <Text size="sm">
                Embeddings are copied as they are ({plural(collection.count)}). The source is not changed.
              </Text>
            )}
          </Alert>
          <DialogFooter
            error={clone.error}
            errorTitle="The clone was refused"
            errorTestId="clone-error"
            onCancel={onClose}
          >
            <Button type="submit" disabled={nameError !== null} loading={clone.isPending} data-testid="clone-submit">
              Start clone
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
