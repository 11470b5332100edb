import { useState } from 'react'
import { Button, Checkbox, Modal, Radio, SegmentedControl, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation } from '@tanstack/react-query'
import type { CallInput, CollectionSummary, Space } from '../../../../shared/contract'
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import { useConnection, useTransport } from '../../lib/data'
import { MetadataEditor } from '../records/MetadataEditor'
import { parseRows, type MetadataRow } from '../records/metadata'
import { collectionNameError } from './names'
import { useCollectionUpdated } from './CollectionHeader'
import { DialogFooter } from '../../components/DialogFooter'

export const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2'

export const SPACE_OPTIONS: { value: Space; label: string }[] = [
  { value: 'l2', label: 'L2 (squared)' },
  { value: 'cosine', label: 'Cosine' },
  { value: 'ip', label: 'Inner product' }
]

/** The "New collection" form. Mounted only while open, so each opening starts blank. */
export function CreateCollectionModal({
  onClose,
  onCreated
}: {
  onClose: () => void
  onCreated: (collection: CollectionSummary) => void
}) {
  const transport = useTransport()
  const updated = useCollectionUpdated()
  const [name, setName] = useState('')
  const [space, setSpace] = useState<Space>('l2')
  const [modelMode, setModelMode] = useState<'model' | 'none'>('model')
  const [model, setModel] = useState(DEFAULT_MODEL)
  const [rows, setRows] = useState<MetadataRow[]>([])
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({})
  const [submitted, setSubmitted] = useState(false)
  const [keywordSearch, setKeywordSearch] = useState(false)
  // A keyword index is the built-in database's (a Chroma 1.0 server has no schema or search API).
  const local = useConnection().connection === LOCAL_CONNECTION

  const create = useMutation({
    mutationFn: (input: CallInput<'collections.create'>) => transport.call('collections.create', input),
    onSuccess: (collection) => {
      updated(collection)
      notifications.show({ color: 'green', title: 'Collection created', message: collection.name })
      onCreated(collection)
    }
  })

  const nameError = name !== '' || submitted ? collectionNameError(name) : null
  const modelError = modelMode === 'model' && submitted && model.trim() === '' ? 'Enter a model id or folder' : null

  const submit = (): void => {
    setSubmitted(true)
    const parsed = parseRows(rows)
    setRowErrors(parsed.errors)
    if (collectionNameError(name) || Object.keys(parsed.errors).length > 0) return
    if (modelMode === 'model' && model.trim() === '') return
    create.mutate({
      name,
      space,
      // Chroma refuses an empty metadata map: no rows means no metadata at all.
      metadata: rows.length > 0 ? parsed.metadata : null,
      embeddingModel: modelMode === 'none' ? null : model.trim(),
      ...(local && keywordSearch ? { keywordSearch: true } : {})
    })
  }

  return (
    <Modal opened onClose={onClose} title="New collection" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
        data-testid="create-collection-form"
      >
        <Stack>
          <TextInput
            label="Name"
            description="3-512 characters: letters, digits, '.', '_' or '-'; starts and ends with a letter or digit."
            placeholder="my-collection"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={nameError}
            data-autofocus
            withAsterisk
            data-testid="collection-name-input"
          />
          <div>
            <Text size="sm" fw={500} mb={4}>
              Distance
            </Text>
            <SegmentedControl<Space>
              data={SPACE_OPTIONS}
              value={space}
              onChange={setSpace}
              data-testid="collection-space"
            />
          </div>
          <Radio.Group
            label="Embedding model"
            description="Documents added to the collection are embedded with this model."
            value={modelMode}
            onChange={(value) => setModelMode(value === 'none' ? 'none' : 'model')}
          >
            <Stack gap={6} mt={6}>
              <Radio
                value="model"
                label="A model (hub id or local model folder)"
                data-testid="collection-model-mode-model"
              />
              <Radio value="none" label="none (I'll provide embeddings)" data-testid="collection-model-mode-none" />
            </Stack>
          </Radio.Group>
          {modelMode === 'model' && (
            <TextInput
              aria-label="Embedding model id or folder"
              placeholder={DEFAULT_MODEL}
              value={model}
              onChange={(e) => setModel(e.currentTarget.value)}
              error={modelError}
              data-testid="collection-model-input"
            />
          )}
          {local && (
            <Checkbox
              label="Keyword search (BM25)"
              description="Also index the documents' words, for hybrid queries that combine meaning and keywords."
              checked={keywordSearch}
              onChange={(e) => setKeywordSearch(e.currentTarget.checked)}
              data-testid="collection-keyword-search"
            />
          )}
          <div>
            <Text size="sm" fw={500} mb={4}>
              Metadata
            </Text>
            <MetadataEditor rows={rows} onChange={setRows} errors={rowErrors} testId="collection-metadata" />
          </div>
          <DialogFooter
            error={create.error}
            errorTitle="The engine refused the collection"
            errorTestId="create-collection-error"
            onCancel={onClose}
          >
            <Button
              type="submit"
              loading={create.isPending}
              disabled={name !== '' && collectionNameError(name) !== null}
              data-testid="create-collection-submit"
            >
              Create
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
