import { useRef, useState } from 'react'
import { Button, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { CallInput } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { useCollection } from '../collections/CollectionHeader'
import { MetadataEditor } from './MetadataEditor'
import { parseRows, type MetadataRow } from './metadata'
import { DialogFooter } from '../../components/DialogFooter'

type NewRecord = CallInput<'records.add'>['records'][number]

/** Parses the embedding field: a JSON array of finite numbers, or nothing. */
function parseEmbedding(text: string): number[] | null | Error {
  if (text.trim() === '') return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return new Error('The embedding must be a JSON array of numbers, like [0.1, -0.2, 0.3]')
  }
  if (!Array.isArray(value) || value.length === 0) return new Error('The embedding must be a non-empty JSON array')
  if (!value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return new Error('Every value of the embedding must be a finite number')
  }
  return value as number[]
}

/**
 * The "Add record" form; mounted only while open. Engine errors show inline and the input stays; a new
 * attempt clears the last error. "Add another" keeps the dialog open, cleared for the next record.
 */
export function AddRecordModal({ collectionId, onClose }: { collectionId: string; onClose: () => void }) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const collection = useCollection(collectionId)
  const [id, setId] = useState('')
  const [document, setDocument] = useState('')
  const [embeddingText, setEmbeddingText] = useState('')
  const [rows, setRows] = useState<MetadataRow[]>([])
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({})
  const [submitted, setSubmitted] = useState(false)
  const idRef = useRef<HTMLInputElement>(null)

  const add = useMutation({
    mutationFn: async (record: NewRecord) => {
      // add() leaves an existing id untouched; say so instead of appearing to succeed.
      const existing = await transport.call('records.get', { collectionId, ids: [record.id] })
      if (existing.length > 0) throw new Error(`A record with id "${record.id}" already exists in this collection`)
      return transport.call('records.add', { collectionId, records: [record] })
    },
    onSuccess: (_result, record) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.records.of(collectionId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
      notifications.show({ color: 'green', title: 'Record added', message: record.id })
    }
  })

  const clear = (): void => {
    setId('')
    setDocument('')
    setEmbeddingText('')
    setRows([])
    setRowErrors({})
    setSubmitted(false)
    idRef.current?.focus()
  }

  const embedding = parseEmbedding(embeddingText)
  const idError = submitted && id.trim() === '' ? 'Give the record an id' : null
  const contentError =
    submitted && document.trim() === '' && embedding === null ? 'Give a document, an embedding, or both' : null
  const embeddingError = embeddingText.trim() !== '' && embedding instanceof Error ? embedding.message : null
  const noModel = collection.data?.embeddingModel === null

  const submit = (another: boolean): void => {
    add.reset() // one error at a time: this attempt's, if any
    setSubmitted(true)
    const parsed = parseRows(rows)
    setRowErrors(parsed.errors)
    if (id.trim() === '' || embedding instanceof Error || (document.trim() === '' && embedding === null)) return
    if (Object.keys(parsed.errors).length > 0) return
    add.mutate(
      {
        id: id.trim(),
        ...(document !== '' ? { document } : {}),
        ...(embedding !== null ? { embedding } : {}),
        ...(rows.length > 0 ? { metadata: parsed.metadata } : {})
      },
      { onSuccess: another ? clear : onClose }
    )
  }

  return (
    <Modal opened onClose={onClose} title="Add record" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          submit(false)
        }}
        data-testid="add-record-form"
      >
        <Stack>
          <TextInput
            label="ID"
            withAsterisk
            value={id}
            onChange={(e) => setId(e.currentTarget.value)}
            error={idError}
            ref={idRef}
            data-autofocus
            data-testid="add-record-id"
          />
          <Textarea
            label="Document"
            description={
              noModel
                ? 'This collection has no embedding model: give an embedding too.'
                : 'Embedded with the collection’s model unless you give an embedding.'
            }
            autosize
            minRows={3}
            maxRows={10}
            value={document}
            onChange={(e) => setDocument(e.currentTarget.value)}
            error={contentError}
            data-testid="add-record-document"
          />
          <Textarea
            label="Embedding (optional)"
            description={
              collection.data?.dimension
                ? `A JSON array of ${collection.data.dimension} numbers.`
                : 'A JSON array of numbers.'
            }
            placeholder="[0.12, -0.03, 0.88]"
            autosize
            minRows={2}
            maxRows={6}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            value={embeddingText}
            onChange={(e) => setEmbeddingText(e.currentTarget.value)}
            error={embeddingError}
            data-testid="add-record-embedding"
          />
          <div>
            <Text size="sm" fw={500} mb={4}>
              Metadata
            </Text>
            <MetadataEditor rows={rows} onChange={setRows} errors={rowErrors} />
          </div>
          <DialogFooter
            error={add.error}
            errorTitle="The record was not added"
            errorTestId="add-record-error"
            onCancel={onClose}
          >
            <Button
              variant="light"
              disabled={add.isPending}
              onClick={() => submit(true)}
              data-testid="add-record-another"
            >
              Add and add another
            </Button>
            <Button type="submit" loading={add.isPending} data-testid="add-record-submit">
              Add record
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
