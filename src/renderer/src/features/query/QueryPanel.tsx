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
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import type { CallInput, RecordRow } from '../../../../shared/contract'
import { queryKeys } from '../../lib/query-keys'
import { RecordTable } from '../records/RecordTable'
import { RecordPicker } from './RecordPicker'
import { useCollection } from '../collections/CollectionHeader'
import { RecordDrawer } from '../records/RecordDrawer'
import { useConnection, useTransport } from '../../lib/data'
import { HYBRID_SCORE_COLUMN, HybridControls } from './HybridControls'
import { checkWeights, DEFAULT_WEIGHTS, type Weights } from './hybrid-weights'
import { parseFilterText, parseVector, builderToWhere } from './where-model'
import {
  initialDoc,
  initialWhere,
  WhereDocumentEditor,
  WhereEditor,
  type DocState,
  type WhereState
} from './WhereEditor'

type Mode = 'text' | 'vector' | 'similar' | 'hybrid'
type QueryParams = CallInput<'records.query'>
type HybridParams = CallInput<'records.hybrid'>
/** What was run: a nearest-neighbour query or a hybrid one. */
type Submitted = { query: QueryParams } | { hybrid: HybridParams }

interface FormState {
  mode: Mode
  text: string
  vector: string
  similarTo: string
  /** As typed: the field may be empty while the user edits it. */
  nResults: number | string
  where: WhereState
  doc: DocState
  weights: Weights
}

interface PanelState {
  form: FormState
  submitted: Submitted | null
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
      doc: initialDoc(),
      weights: DEFAULT_WEIGHTS
    },
    submitted: null
  }
}

/** `whereJson` / `docJson`: JSON that does not parse, which its own field already reports (once). */
type Field = 'text' | 'vector' | 'similar' | 'where' | 'whereJson' | 'doc' | 'docJson' | 'n' | 'dense' | 'keyword' | 'k'

/** Builds the call from the form, or says what to fix first (nothing is sent then). */
function toParams(
  collectionId: string,
  form: FormState,
  dimension: number | null
): { submit: Submitted } | { field: Field; error: string } {
  const n = form.nResults
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
    return { field: 'n', error: '1 to 1000' }
  }
  const where = parseFilterText(form.where.text)
  if (!where.ok) return { field: 'whereJson', error: where.error }
  if (!form.where.overridden && Object.keys(builderToWhere(form.where.builder).errors).length > 0) {
    return { field: 'where', error: 'Complete or remove the conditions marked in red' }
  }
  const doc = parseFilterText(form.doc.text)
  if (!doc.ok) return { field: 'docJson', error: doc.error }
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
      return { submit: { query: { ...base, text: form.text } } }
    case 'vector': {
      const vector = parseVector(form.vector, dimension)
      if (!vector.ok) return { field: 'vector', error: vector.error }
      return { submit: { query: { ...base, embedding: vector.value } } }
    }
    case 'similar':
      if (form.similarTo.trim() === '')
        return { field: 'similar', error: 'Choose a record: type words of its document' }
      return { submit: { query: { ...base, similarTo: form.similarTo.trim() } } }
    case 'hybrid': {
      if (form.text.trim() === '') return { field: 'text', error: 'Type the text to search for' }
      const weights = checkWeights(form.weights)
      if (!weights.ok) return { field: weights.field, error: weights.error }
      return { submit: { hybrid: { ...base, text: form.text, ...weights.value } } }
    }
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
    queryFn: (): Promise<RecordRow[]> =>
      submitted !== null && 'hybrid' in submitted
        ? transport.call('records.hybrid', submitted.hybrid)
        : transport.call('records.query', (submitted as { query: QueryParams }).query),
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
    const same = JSON.stringify(built.submit) === JSON.stringify(submitted)
    setState({ form: next, submitted: built.submit })
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
  const { connection } = useConnection()
  const local = connection === LOCAL_CONNECTION
  const hybridShown = submitted !== null && 'hybrid' in submitted
  const similarTo = submitted !== null && 'query' in submitted ? submitted.query.similarTo : undefined
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
              onChange={(mode) =>
                // Without a model only keywords can rank: the dense weight starts at 0 then.
                setForm({
                  mode: mode as Mode,
                  ...(mode === 'hybrid' && !hasModel ? { weights: { ...form.weights, denseWeight: 0 } } : {})
                })
              }
              data={[
                { value: 'text', label: 'By text' },
                { value: 'vector', label: 'By vector' },
                { value: 'similar', label: 'Similar to record' },
                // Keyword search is the built-in database's: a Chroma 1.0 server has no search API.
                { value: 'hybrid', label: 'Hybrid', disabled: !local }
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

          {(form.mode === 'text' || form.mode === 'hybrid') && (
            <>
              <Textarea
                label="Query text"
                description={
                  form.mode === 'hybrid'
                    ? 'Ranked by meaning and by its words, both rankings fused'
                    : collection.data?.embeddingModel
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
              {form.mode === 'hybrid' && (
                <HybridControls
                  collectionId={collectionId}
                  keywordKey={collection.data?.keywordKey ?? null}
                  hasModel={hasModel}
                  nResults={form.nResults}
                  value={form.weights}
                  onChange={(w) => setForm({ weights: { ...form.weights, ...w } })}
                  errors={{ dense: errorOf('dense'), keyword: errorOf('keyword'), k: errorOf('k') }}
                />
              )}
              {!hasModel && form.mode === 'text' && (
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
                {results.isSuccess
                  ? `${rows.length} ${hybridShown ? 'best' : 'nearest'} record${rows.length === 1 ? '' : 's'}`
                  : 'Searching…'}
              </Text>
              {similarTo && (
                <Badge variant="light" tt="none">
                  similar to {similarTo}
                </Badge>
              )}
              {hybridShown ? (
                <Text size="xs" c="dimmed">
                  fused by Rrf, smaller is better; ranks: dense · keyword (— not among the candidates)
                </Text>
              ) : (
                collection.data && (
                  <Text size="xs" c="dimmed">
                    distance: {collection.data.space}, smaller is closer
                  </Text>
                )
              )}
            </Group>
            <RecordTable
              rows={rows}
              loading={results.isPending}
              showDistance
              scoreColumn={hybridShown ? HYBRID_SCORE_COLUMN : undefined}
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
