import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import {
  Alert,
  Badge,
  Button,
  Card,
  Divider,
  Group,
  NumberInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import type { CallInput } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { RecordTable } from '../records/RecordTable'
import { RecordPicker } from './RecordPicker'
import { useCollection } from '../collections/CollectionHeader'
import { RecordDrawer } from '../records/RecordDrawer'
import { parseFilterText, parseVector, builderToWhere } from './where-model'
import {
  initialDoc,
  initialWhere,
  WhereDocumentEditor,
  WhereEditor,
  type DocState,
  type WhereState
} from './WhereEditor'

type Mode = 'text' | 'vector' | 'similar'
type QueryParams = CallInput<'records.query'>

interface FormState {
  mode: Mode
  text: string
  vector: string
  similarTo: string
  /** As typed: the field may be empty while the user edits it. */
  nResults: number | string
  where: WhereState
  doc: DocState
}

interface PanelState {
  form: FormState
  submitted: QueryParams | null
}

/** The table shows a line of each document; the drawer loads the whole record. */
const DOCUMENT_CHARS = 400

// Kept per collection for this session, so switching to another tab and back keeps what was typed.
const saved = new Map<string, PanelState>()

function initialState(): PanelState {
  return {
    form: {
      mode: 'text',
      text: '',
      vector: '',
      similarTo: '',
      nResults: 10,
      where: initialWhere(),
      doc: initialDoc()
    },
    submitted: null
  }
}

/** Builds the call from the form, or says what to fix first (nothing is sent then). */
function toParams(
  collectionId: string,
  form: FormState,
  dimension: number | null
): { params: QueryParams } | { field: 'text' | 'vector' | 'similar' | 'where' | 'doc' | 'n'; error: string } {
  const n = form.nResults
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
    return { field: 'n', error: '1 to 1000' }
  }
  const where = parseFilterText(form.where.text)
  if (!where.ok) return { field: 'where', error: where.error }
  if (!form.where.overridden && Object.keys(builderToWhere(form.where.builder).errors).length > 0) {
    return { field: 'where', error: 'Complete or remove the conditions marked in red' }
  }
  const doc = parseFilterText(form.doc.text)
  if (!doc.ok) return { field: 'doc', error: doc.error }
  const base = {
    collectionId,
    nResults: n,
    where: where.value,
    whereDocument: doc.value,
    documentChars: DOCUMENT_CHARS
  }
  switch (form.mode) {
    case 'text':
      if (form.text.trim() === '') return { field: 'text', error: 'Type the text to search for' }
      return { params: { ...base, text: form.text } }
    case 'vector': {
      const vector = parseVector(form.vector, dimension)
      if (!vector.ok) return { field: 'vector', error: vector.error }
      return { params: { ...base, embedding: vector.value } }
    }
    case 'similar':
      if (form.similarTo.trim() === '')
        return { field: 'similar', error: 'Choose a record: type words of its document' }
      return { params: { ...base, similarTo: form.similarTo.trim() } }
  }
}

/**
 * Nearest-neighbour queries against one collection: by text (embedded by the collection's model), by a
 * pasted vector or by an existing record, narrowed by `where` and `where_document` filters.
 */
export function QueryPanel({
  collectionId,
  similarRequest
}: {
  collectionId: string
  /** "Find similar" asked from another tab: runs once per request. */
  similarRequest?: { id: string; at: number } | null
}) {
  const transport = useTransport()
  const [state, setState] = useState<PanelState>(() => saved.get(collectionId) ?? initialState())
  const [fieldError, setFieldError] = useState<{ field: string; error: string } | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const { form, submitted } = state

  useEffect(() => {
    saved.set(collectionId, state)
  }, [collectionId, state])

  const collection = useCollection(collectionId)
  const keys = useQuery({
    queryKey: queryKeys.collections.metadataKeys(collectionId),
    queryFn: () => transport.call('collections.metadataKeys', { id: collectionId })
  })
  const results = useQuery({
    queryKey: queryKeys.records.query(collectionId, submitted),
    queryFn: () => transport.call('records.query', submitted as QueryParams),
    enabled: submitted !== null,
    // Engine errors (bad filter, wrong dimension) do not go away by asking again.
    retry: false
  })

  const setForm = (patch: Partial<FormState>): void => {
    setState((s) => ({ ...s, form: { ...s.form, ...patch } }))
    if (fieldError) setFieldError(null)
  }

  const run = (override?: Partial<FormState>): void => {
    const next = { ...form, ...override }
    const built = toParams(collectionId, next, collection.data?.dimension ?? null)
    if ('error' in built) {
      setState((s) => ({ ...s, form: next }))
      setFieldError(built)
      return
    }
    setFieldError(null)
    const same = JSON.stringify(built.params) === JSON.stringify(submitted)
    setState({ form: next, submitted: built.params })
    if (same) void results.refetch()
  }

  const findSimilar = (id: string): void => {
    setOpenId(null)
    run({ mode: 'similar', similarTo: id })
  }

  const handledRequest = useRef<number | null>(null)
  useEffect(() => {
    if (!similarRequest || handledRequest.current === similarRequest.at) return
    handledRequest.current = similarRequest.at
    findSimilar(similarRequest.id)
    // findSimilar is a plain function of this render; the request alone decides when to run.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [similarRequest])

  const hasModel = collection.data ? collection.data.embeddingModel !== null : true
  const dimension = collection.data?.dimension ?? null
  const errorOf = (field: string): string | undefined => (fieldError?.field === field ? fieldError.error : undefined)
  const rows = results.data ?? []
  const runOnCtrlEnter = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      run()
    }
  }

  return (
    <Stack gap="sm" data-testid="query-panel">
      <Card withBorder padding="md">
        <Stack gap="sm">
          <Group justify="space-between" align="flex-end">
            <SegmentedControl
              value={form.mode}
              onChange={(mode) => setForm({ mode: mode as Mode })}
              data={[
                { value: 'text', label: 'By text' },
                { value: 'vector', label: 'By vector' },
                { value: 'similar', label: 'Similar to record' }
              ]}
              data-testid="query-mode"
            />
            <NumberInput
              label="n_results"
              value={form.nResults}
              onChange={(v) => setForm({ nResults: v })}
              error={errorOf('n')}
              min={1}
              max={1000}
              allowDecimal={false}
              allowNegative={false}
              clampBehavior="strict"
              w={120}
              data-testid="query-n-results"
            />
          </Group>

          {form.mode === 'text' && (
            <>
              <Textarea
                label="Query text"
                description={
                  collection.data?.embeddingModel
                    ? `Embedded by the collection's model: ${collection.data.embeddingModel}`
                    : undefined
                }
                placeholder="What are you looking for?"
                autosize
                minRows={2}
                maxRows={8}
                value={form.text}
                onChange={(e) => setForm({ text: e.currentTarget.value })}
                onKeyDown={runOnCtrlEnter}
                error={errorOf('text')}
                data-testid="query-text"
              />
              {!hasModel && (
                <Alert color="yellow" variant="light" data-testid="query-no-model">
                  This collection has no embedding model, so text cannot be embedded. Query by vector or by a record
                  instead.
                </Alert>
              )}
            </>
          )}
          {form.mode === 'vector' && (
            <Textarea
              label="Query vector"
              description={
                dimension === null
                  ? 'A JSON array of numbers'
                  : `A JSON array of ${dimension} numbers (this collection's dimension)`
              }
              placeholder="[0.12, -0.03, 0.4, …]"
              autosize
              minRows={3}
              maxRows={10}
              value={form.vector}
              onChange={(e) => setForm({ vector: e.currentTarget.value })}
              onKeyDown={runOnCtrlEnter}
              error={errorOf('vector')}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
              spellCheck={false}
              data-testid="query-vector"
            />
          )}
          {form.mode === 'similar' && (
            <RecordPicker
              collectionId={collectionId}
              value={form.similarTo}
              onChange={(similarTo) => setForm({ similarTo })}
              onSubmit={() => run()}
              error={errorOf('similar')}
            />
          )}

          <Divider label="Filters" labelPosition="left" />
          <WhereEditor
            value={form.where}
            onChange={(where) => setForm({ where })}
            keys={keys.data ?? []}
            keysLoading={keys.isPending}
            keysError={keys.isError ? keys.error.message : null}
          />
          {errorOf('where') && (
            <Text size="sm" c="red" data-testid="where-error">
              {errorOf('where')}
            </Text>
          )}
          <WhereDocumentEditor value={form.doc} onChange={(doc) => setForm({ doc })} />
          {errorOf('doc') && (
            <Text size="sm" c="red" data-testid="where-document-error">
              {errorOf('doc')}
            </Text>
          )}

          <Group justify="flex-end">
            <Text size="xs" c="dimmed">
              Ctrl+Enter runs the query
            </Text>
            <Button onClick={() => run()} loading={results.isFetching} data-testid="query-run">
              Run query
            </Button>
          </Group>
        </Stack>
      </Card>

      {results.isError && (
        <Alert color="red" title="The query failed" data-testid="query-error">
          {results.error.message}
        </Alert>
      )}

      <div data-testid="query-results" data-count={results.isSuccess ? rows.length : undefined}>
        {submitted === null ? (
          <Text c="dimmed" size="sm" ta="center" py="lg" data-testid="query-idle">
            Run a query to see the nearest records, closest first.
          </Text>
        ) : results.isSuccess && rows.length === 0 ? (
          <Text c="dimmed" size="sm" ta="center" py="lg" data-testid="query-empty">
            No records match. Loosen the filters or add records to the collection.
          </Text>
        ) : results.isError ? null : (
          <Stack gap={4}>
            <Group gap="xs">
              <Text size="sm" fw={500}>
                {results.isSuccess ? `${rows.length} nearest record${rows.length === 1 ? '' : 's'}` : 'Searching…'}
              </Text>
              {submitted.similarTo && (
                <Badge variant="light" tt="none">
                  similar to {submitted.similarTo}
                </Badge>
              )}
              {collection.data && (
                <Text size="xs" c="dimmed">
                  distance: {collection.data.space}, smaller is closer
                </Text>
              )}
            </Group>
            <RecordTable
              rows={rows}
              loading={results.isPending}
              showDistance
              onOpen={setOpenId}
              onFindSimilar={findSimilar}
              height={Math.max(160, Math.min(520, 36 * (rows.length + 1) + 8))}
            />
          </Stack>
        )}
      </div>

      <RecordDrawer
        collectionId={collectionId}
        recordId={openId}
        onClose={() => setOpenId(null)}
        onFindSimilar={findSimilar}
      />
    </Stack>
  )
}
