import { useRef, useState } from 'react'
import { Alert, Button, Code, EmptyState, Group, Kbd, Loader, Modal, Stack, Text, TextInput } from '@mantine/core'
import { useDebouncedValue, useHotkeys } from '@mantine/hooks'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Filter, RecordRow } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { plural } from '../../lib/format'
import { AddRecordModal } from './AddRecordModal'
import { RecordDrawer } from './RecordDrawer'
import { RecordTable } from './RecordTable'
import { DialogFooter } from '../../components/DialogFooter'
import { FacetPanel } from './FacetPanel'
import { toggleFacet, type FacetValue } from './facet-filter'
import { parseFilterText } from '../query/where-model'

const PAGE = 200
const DOCUMENT_CHARS = 200

interface Filters {
  where: Filter | null
  whereDocument: Filter | null
  /** Only these records (the map's selection). */
  ids?: string[]
}

/** A set of records the table is limited to, with a short key that stands for it in query keys. */
export interface RecordSubset {
  key: string
  ids: string[]
}

/** Filters as a query key: a subset by its key, not its (possibly 100,000) ids. */
function keyOf(f: Filters, subset: RecordSubset | undefined): unknown {
  return { where: f.where, whereDocument: f.whereDocument, subset: subset?.key ?? null }
}

/** The where field's text as a filter; the query panel's rule for filter JSON (where-model.ts). */
function parseWhere(text: string): { where: Filter | null; error: string | null } {
  const parsed = parseFilterText(text)
  return parsed.ok ? { where: parsed.value, error: null } : { where: null, error: parsed.error }
}

function describeFilters(f: Filters): string {
  return [
    f.ids ? `among the ${plural(f.ids.length)} selected` : null,
    f.whereDocument ? `whereDocument ${JSON.stringify(f.whereDocument)}` : null,
    f.where ? `where ${JSON.stringify(f.where)}` : null
  ]
    .filter(Boolean)
    .join(' and ')
}

/**
 * Every record of a collection in a virtualized table, fetched a page of 200 at a time as the
 * visible rows need them, with document search, a where filter, adding and deleting.
 */
export function RecordsView({
  collectionId,
  subset,
  onFindSimilar
}: {
  collectionId: string
  subset?: RecordSubset
  /** "Find similar" on every row and in the record's drawer (the Query tab runs it). */
  onFindSimilar?: (id: string) => void
}) {
  const transport = useTransport()
  const searchRef = useRef<HTMLInputElement>(null)
  const [search, setSearch] = useState('')
  const [whereText, setWhereText] = useState('')
  const [debouncedSearch] = useDebouncedValue(search, 250)
  const [debouncedWhere] = useDebouncedValue(whereText, 400)
  const [selection, setSelection] = useState<Set<string>>(() => new Set())
  const [openId, setOpenId] = useState<string | null>(null)
  const [dialog, setDialog] = useState<'add' | 'delete-selected' | 'delete-filter' | null>(null)

  // Not while a drawer or dialog is open: focus belongs to it then.
  const idle = openId === null && dialog === null
  useHotkeys([['/', () => (idle ? searchRef.current?.focus() : undefined), { preventDefault: idle }]])

  const parsedWhere = parseWhere(debouncedWhere)
  const filters: Filters = {
    where: parsedWhere.where,
    whereDocument: debouncedSearch !== '' ? { $contains: debouncedSearch } : null,
    ...(subset ? { ids: subset.ids } : {})
  }
  const filtered = filters.where !== null || filters.whereDocument !== null || subset !== undefined
  const filterKey = JSON.stringify(keyOf(filters, subset))

  // Pages the table shows now; a new filter starts again from the top.
  const [range, setRange] = useState({ key: filterKey, first: 0, last: 0 })
  const firstPage = range.key === filterKey ? range.first : 0
  const lastPage = range.key === filterKey ? range.last : 0
  // RecordTable calls this from an effect event, so a new function each render is fine.
  const loadRange = (start: number, end: number): void => {
    const first = Math.floor(start / PAGE)
    const last = Math.floor(Math.max(start, end - 1) / PAGE)
    setRange((prev) =>
      prev.key === filterKey && prev.first === first && prev.last === last ? prev : { key: filterKey, first, last }
    )
  }

  const pageNumbers: number[] = []
  for (let p = firstPage; p <= lastPage; p++) pageNumbers.push(p)
  const pages = useQueries({
    queries: pageNumbers.map((p) => {
      const params = { ...filters, limit: PAGE, offset: p * PAGE, documentChars: DOCUMENT_CHARS }
      return {
        queryKey: queryKeys.records.page(collectionId, { ...params, ids: subset?.key }),
        queryFn: () => transport.call('records.page', { collectionId, ...params })
      }
    })
  })

  // The total must outlive the pages in view: a jump far down asks for pages not loaded yet.
  const count = useQuery({
    queryKey: queryKeys.records.count(collectionId, keyOf(filters, subset)),
    queryFn: () => transport.call('records.count', { collectionId, ...filters })
  })

  // The freshest answer knows the current total; rows go in by position, unloaded ones stay holes.
  let total: number | undefined = count.data
  let newest = count.data === undefined ? -1 : count.dataUpdatedAt
  for (const page of pages) {
    if (page.data && page.dataUpdatedAt > newest) {
      newest = page.dataUpdatedAt
      total = page.data.total
    }
  }
  const rows: RecordRow[] = new Array<RecordRow>(total ?? 0)
  for (const page of pages) {
    page.data?.rows.forEach((row, i) => {
      const at = page.data.offset + i
      if (total !== undefined && at < total) rows[at] = row
    })
  }
  const loading = pages.some((p) => p.isFetching)
  const error = pages.find((p) => p.isError)?.error ?? count.error

  const clearSelection = (): void => setSelection(new Set())
  // A facet click edits the where filter text, so the user sees (and can edit) what it selects.
  const toggleFacetValue = (key: string, value: FacetValue): void => {
    const next = toggleFacet(parseWhere(whereText).where, key, value)
    setWhereText(next === null ? '' : JSON.stringify(next))
    clearSelection()
  }

  let content
  if (total === undefined) {
    content = error ? null : (
      <Group justify="center" py="xl" data-testid="records-loading">
        <Loader size="sm" />
        <Text c="dimmed">Loading records…</Text>
      </Group>
    )
  } else if (total === 0 && !filtered) {
    content = (
      <EmptyState
        py="xl"
        title="No records yet"
        description="Add a record here, drag documents in on the “Add documents” tab, or write with any Chroma client."
        data-testid="records-empty"
      >
        <EmptyState.Actions>
          <Button onClick={() => setDialog('add')}>Add record</Button>
        </EmptyState.Actions>
      </EmptyState>
    )
  } else if (total === 0) {
    content = (
      <EmptyState
        py="xl"
        title="No records match"
        description={describeFilters(filters)}
        data-testid="records-no-match"
      />
    )
  } else {
    content = (
      <RecordTable
        // A new filter is a new list: start it from the top.
        key={filterKey}
        rows={rows}
        total={total}
        loadRange={loadRange}
        loading={loading}
        onOpen={setOpenId}
        {...(onFindSimilar ? { onFindSimilar } : {})}
        selection={selection}
        onSelectionChange={setSelection}
        height="max(320px, calc(100vh - 300px))"
      />
    )
  }

  return (
    <Stack gap="sm" data-testid="records-view">
      <Group gap="xs" align="flex-start" wrap="wrap">
        <TextInput
          ref={searchRef}
          placeholder="Search documents"
          aria-label="Search documents"
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value)
            clearSelection()
          }}
          rightSection={<Kbd size="xs">/</Kbd>}
          w={200}
          data-testid="records-search"
        />
        <TextInput
          placeholder='where, e.g. {"genre": "news"}'
          aria-label="Where filter (JSON)"
          value={whereText}
          onChange={(e) => {
            setWhereText(e.currentTarget.value)
            clearSelection()
          }}
          error={whereText === debouncedWhere ? parsedWhere.error : null}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          style={{ flex: '1 1 200px' }}
          data-testid="records-where"
        />
        <Group gap="xs" ml="auto" wrap="nowrap">
          <Button variant="default" onClick={() => setDialog('add')} data-testid="add-record">
            Add record
          </Button>
          <Button
            variant="light"
            color="red"
            disabled={selection.size === 0}
            onClick={() => setDialog('delete-selected')}
            data-testid="delete-selected"
          >
            Delete selected{selection.size > 0 ? ` (${selection.size})` : ''}
          </Button>
          <Button
            variant="light"
            color="red"
            disabled={!filtered}
            onClick={() => setDialog('delete-filter')}
            data-testid="delete-by-filter"
          >
            Delete by filter
          </Button>
        </Group>
      </Group>
      <Group gap="xs" h={20}>
        {total !== undefined && (
          <Text size="sm" c="dimmed" data-testid="records-total" data-total={total}>
            {filtered ? `${plural(total)} match` : plural(total)}
            {selection.size > 0 ? ` · ${selection.size.toLocaleString()} selected` : ''}
          </Text>
        )}
        {loading && total !== undefined && <Loader size={12} />}
      </Group>
      {error && (
        <Alert color="red" title="Could not read records" data-testid="records-error">
          {error.message}
        </Alert>
      )}
      <Group align="flex-start" wrap="nowrap" gap="sm">
        <div style={{ flex: '1 1 auto', minWidth: 0 }}>{content}</div>
        <FacetPanel
          collectionId={collectionId}
          where={filters.where}
          whereDocument={filters.whereDocument}
          onToggle={toggleFacetValue}
        />
      </Group>
      <RecordDrawer
        collectionId={collectionId}
        recordId={openId}
        onClose={() => setOpenId(null)}
        {...(onFindSimilar
          ? {
              onFindSimilar: (id: string) => {
                setOpenId(null)
                onFindSimilar(id)
              }
            }
          : {})}
      />
      {dialog === 'add' && <AddRecordModal collectionId={collectionId} onClose={() => setDialog(null)} />}
      {dialog === 'delete-selected' && (
        <DeleteRecordsModal
          collectionId={collectionId}
          target={{ ids: [...selection] }}
          onClose={() => setDialog(null)}
          onDeleted={clearSelection}
        />
      )}
      {dialog === 'delete-filter' && (
        <DeleteRecordsModal
          collectionId={collectionId}
          target={{ filters, subset }}
          onClose={() => setDialog(null)}
          onDeleted={clearSelection}
        />
      )}
    </Stack>
  )
}

/** Confirms deleting chosen ids, or every record a filter matches (counted first). */
function DeleteRecordsModal({
  collectionId,
  target,
  onClose,
  onDeleted
}: {
  collectionId: string
  target: { ids: string[] } | { filters: Filters; subset?: RecordSubset | undefined }
  onClose: () => void
  onDeleted: () => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const filters = 'filters' in target ? target.filters : null
  const count = useQuery({
    queryKey: queryKeys.records.count(
      collectionId,
      filters && keyOf(filters, 'subset' in target ? target.subset : undefined)
    ),
    queryFn: () => transport.call('records.count', { collectionId, ...(filters ?? {}) }),
    enabled: filters !== null
  })
  const remove = useMutation({
    mutationFn: () =>
      transport.call('records.delete', { collectionId, ...('ids' in target ? { ids: target.ids } : target.filters) }),
    onSuccess: ({ deleted }) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.records.of(collectionId) })
      void queryClient.invalidateQueries({ queryKey: queryKeys.collections.all })
      notifications.show({ color: 'green', title: 'Records deleted', message: `${plural(deleted)} deleted` })
      onDeleted()
      onClose()
    }
  })
  const n = 'ids' in target ? target.ids.length : count.data

  return (
    <Modal opened onClose={onClose} title={filters ? 'Delete by filter' : 'Delete selected records'}>
      <Stack data-testid="delete-records-dialog">
        {filters ? (
          <>
            <Text size="sm">
              Deletes every record matching <Code>{describeFilters(filters)}</Code>.
            </Text>
            {count.isPending ? (
              <Group gap="xs">
                <Loader size="xs" />
                <Text size="sm">Counting…</Text>
              </Group>
            ) : count.isError ? (
              <Alert color="red" title="Could not count the matching records" data-testid="delete-count-error">
                {count.error.message}
              </Alert>
            ) : (
              <Text fw={600} data-testid="delete-preview-count" data-count={count.data}>
                {plural(count.data)} will be deleted.
              </Text>
            )}
          </>
        ) : (
          <Text data-testid="delete-preview-count" data-count={n}>
            Delete {plural(n ?? 0)}? This cannot be undone.
          </Text>
        )}
        <DialogFooter
          error={remove.error}
          errorTitle="Nothing was deleted"
          errorTestId="delete-records-error"
          onCancel={onClose}
        >
          <Button
            color="red"
            loading={remove.isPending}
            disabled={n === undefined || n === 0}
            onClick={() => remove.mutate()}
            data-testid="delete-records-confirm"
          >
            Delete {n === undefined ? '' : plural(n)}
          </Button>
        </DialogFooter>
      </Stack>
    </Modal>
  )
}
