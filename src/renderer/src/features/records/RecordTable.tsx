import {
  memo,
  useCallback,
  useEffect,
  useEffectEvent,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties
} from 'react'
import { Center, Checkbox, Group, Loader, Pagination, Text } from '@mantine/core'
import { useVirtualizer } from '@tanstack/react-virtual'
import type { Metadata, RecordRow } from '../../../../shared/contract'
import { formatValue } from './metadata'
import { recordLabel } from './record-label'
import { segmentOf } from './table-segments'
import './RecordTable.css'

const ROW_HEIGHT = 36
const HEAD_HEIGHT = 36
const MAX_CHIPS = 6

export interface RecordTableProps {
  /** Rows by position; with `total`, missing positions (a sparse array) are rows not loaded yet. */
  rows: RecordRow[]
  total?: number
  /** Asked for the visible positions [start, end) whenever they change. */
  loadRange?: (start: number, end: number) => void
  loading?: boolean
  showDistance?: boolean
  /** A score column of the caller's own (hybrid results); takes the place of the distance column. */
  scoreColumn?: ScoreColumn
  onOpen: (id: string) => void
  /** Shows "Find similar" on every row. */
  onFindSimilar?: (id: string) => void
  selection?: Set<string>
  onSelectionChange?: (s: Set<string>) => void
  height?: number | string
}

export interface ScoreColumn {
  label: string
  width: string
  render: (row: RecordRow) => string
}

const DISTANCE_COLUMN: ScoreColumn = {
  label: 'Distance',
  width: '90px',
  render: (row) => (row.distance === undefined ? '—' : row.distance.toFixed(4))
}

// Rows use plain elements and CSS classes, not library components: dozens of rows mount on every
// scroll step, and each component layer costs frame time (measured in bench/ui.bench.ts).
function MetadataChips({ metadata }: { metadata: Metadata | null }) {
  const entries = Object.entries(metadata ?? {})
  if (entries.length === 0) return <span className="cd-rt-dim">—</span>
  return (
    <div className="cd-rt-chips">
      {entries.slice(0, MAX_CHIPS).map(([key, value]) => (
        <span key={key} className="cd-rt-chip">{`${key}: ${formatValue(value)}`}</span>
      ))}
      {entries.length > MAX_CHIPS && <span className="cd-rt-dim">+{entries.length - MAX_CHIPS}</span>}
    </div>
  )
}

interface RowViewProps {
  row: RecordRow
  top: number
  columns: string
  selectable: boolean
  selected: boolean
  score: ScoreColumn | null
  onOpen: (id: string) => void
  onToggle: (id: string, on: boolean) => void
  onFindSimilar: ((id: string) => void) | undefined
}

/** One loaded row; memoized so scrolling renders only the rows that come into view. */
const RowView = memo(function RowView({
  row,
  top,
  columns,
  selectable,
  selected,
  score,
  onOpen,
  onToggle,
  onFindSimilar
}: RowViewProps) {
  return (
    <div
      className="cd-rt-row"
      style={{ gridTemplateColumns: columns, height: ROW_HEIGHT, transform: `translateY(${top}px)` }}
      role="row"
      tabIndex={0}
      aria-selected={selectable ? selected : undefined}
      data-loaded=""
      data-selected={selected || undefined}
      data-testid="record-row"
      data-id={row.id}
      onClick={() => onOpen(row.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target === e.currentTarget) onOpen(row.id)
      }}
    >
      {selectable && (
        // The checkbox toggles selection without opening the record.
        <div onClick={(e) => e.stopPropagation()}>
          <input
            type="checkbox"
            className="cd-rt-check"
            aria-label={`Select ${row.id}`}
            checked={selected}
            onChange={(e) => onToggle(row.id, e.currentTarget.checked)}
            data-testid="record-select"
          />
        </div>
      )}
      <div className="cd-rt-cell cd-rt-id" role="cell" title={row.id} data-testid="record-cell-id">
        {recordLabel(row.id, row.metadata)}
      </div>
      {score && (
        <div className="cd-rt-cell" role="cell" data-testid="record-cell-distance">
          {score.render(row)}
        </div>
      )}
      <div className="cd-rt-cell" role="cell" data-testid="record-cell-document">
        {row.document ?? <span className="cd-rt-dim">no document</span>}
      </div>
      <div className="cd-rt-cell" role="cell" data-testid="record-cell-metadata">
        <MetadataChips metadata={row.metadata} />
      </div>
      {onFindSimilar && (
        <div className="cd-rt-cell" role="cell">
          <button
            type="button"
            className="cd-rt-similar"
            title="Find records similar to this one"
            onClick={(e) => {
              e.stopPropagation()
              onFindSimilar(row.id)
            }}
            data-testid="record-row-similar"
          >
            Similar
          </button>
        </div>
      )}
    </div>
  )
})

/**
 * A virtualized record list: only the rows in view (plus a few) are in the DOM, so it scrolls
 * smoothly through hundreds of thousands of records. Rows have a fixed height.
 */
export function RecordTable({
  rows,
  total,
  loadRange,
  loading = false,
  showDistance = false,
  scoreColumn,
  onOpen,
  onFindSimilar,
  selection,
  onSelectionChange,
  height = 500
}: RecordTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const count = Math.max(total ?? rows.length, 0)
  const selectable = selection !== undefined && onSelectionChange !== undefined

  // Past SEGMENT_ROWS the rows are shown a segment at a time (table-segments.ts); positions below are
  // the segment's, `segment.start` turns them into the whole result's.
  const [segmentIndex, setSegmentIndex] = useState(0)
  const segment = segmentOf(count, segmentIndex)
  // A segment that no longer exists (the result shrank) stays the last one, also once it grows again.
  if (segment.index !== segmentIndex) setSegmentIndex(segment.index)

  const virtualizer = useVirtualizer({
    count: segment.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    // The sticky header sits above the rows inside the same scroll element.
    scrollMargin: HEAD_HEIGHT
  })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index
  const last = items[items.length - 1]?.index

  const requestRange = useEffectEvent((start: number, end: number) => loadRange?.(start, end))
  useEffect(() => {
    if (first !== undefined && last !== undefined) requestRange(segment.start + first, segment.start + last + 1)
  }, [first, last, count, segment.start])

  const score = scoreColumn ?? (showDistance ? DISTANCE_COLUMN : null)
  const columns = [
    selectable ? '32px' : null,
    'minmax(100px, 1.2fr)',
    score ? score.width : null,
    'minmax(160px, 3fr)',
    'minmax(140px, 2fr)',
    onFindSimilar ? '72px' : null
  ]
    .filter(Boolean)
    .join(' ')
  const rowStyle: CSSProperties = { gridTemplateColumns: columns, height: ROW_HEIGHT }

  // Memoized: rows is sparse and as long as the whole result, and this component renders on every scroll frame.
  const loadedIds = useMemo(() => (selectable ? rows.filter(Boolean).map((r) => r.id) : []), [rows, selectable])
  const selectedLoaded = useMemo(
    () => (selectable ? loadedIds.filter((id) => selection.has(id)).length : 0),
    [selectable, loadedIds, selection]
  )

  // Stable callbacks reading the latest props, so memoized rows do not re-render with the parent.
  const latest = useRef({ selection, onSelectionChange, onOpen, onFindSimilar })
  useLayoutEffect(() => {
    latest.current = { selection, onSelectionChange, onOpen, onFindSimilar }
  })
  const toggle = useCallback((id: string, on: boolean): void => {
    const { selection: current, onSelectionChange: change } = latest.current
    if (!current || !change) return
    const next = new Set(current)
    if (on) next.add(id)
    else next.delete(id)
    change(next)
  }, [])
  const open = useCallback((id: string) => latest.current.onOpen(id), [])
  const similar = useCallback((id: string) => latest.current.onFindSimilar?.(id), [])

  const table = (
    <div
      ref={scrollRef}
      className="cd-rt"
      style={{ flex: 1, minHeight: 0 }}
      role="table"
      aria-rowcount={count}
      data-testid="record-table"
      data-total={count}
    >
      <div className="cd-rt-row cd-rt-head" style={{ ...rowStyle, height: HEAD_HEIGHT }} role="row">
        {selectable && (
          <Checkbox
            size="xs"
            aria-label="Select all loaded rows"
            checked={loadedIds.length > 0 && selectedLoaded === loadedIds.length}
            indeterminate={selectedLoaded > 0 && selectedLoaded < loadedIds.length}
            onChange={(e) => {
              const next = new Set(selection)
              for (const id of loadedIds) {
                if (e.currentTarget.checked) next.add(id)
                else next.delete(id)
              }
              onSelectionChange(next)
            }}
            data-testid="record-select-all"
          />
        )}
        <div className="cd-rt-cell" role="columnheader">
          ID
        </div>
        {score && (
          <div className="cd-rt-cell" role="columnheader">
            {score.label}
          </div>
        )}
        <div className="cd-rt-cell" role="columnheader">
          Document
        </div>
        <div className="cd-rt-cell" role="columnheader">
          Metadata
        </div>
        {onFindSimilar && <div role="columnheader" aria-label="Actions" />}
      </div>
      {count === 0 && (
        <Center h={ROW_HEIGHT * 3} data-testid={loading ? 'record-table-loading' : 'record-table-empty'}>
          {loading ? <Loader size="sm" /> : <Text c="dimmed">No records</Text>}
        </Center>
      )}
      <div className="cd-rt-body" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => {
          const row = rows[segment.start + item.index]
          const top = item.start - HEAD_HEIGHT
          if (!row) {
            return (
              <div
                key={item.key}
                className="cd-rt-row"
                style={{ ...rowStyle, transform: `translateY(${top}px)` }}
                role="row"
                data-testid="record-placeholder"
              >
                {selectable && <span />}
                <span className="cd-rt-skeleton" style={{ width: '70%' }} />
                {score && <span className="cd-rt-skeleton" style={{ width: '60%' }} />}
                <span className="cd-rt-skeleton" style={{ width: '90%' }} />
                <span className="cd-rt-skeleton" style={{ width: '50%' }} />
                {onFindSimilar && <span />}
              </div>
            )
          }
          return (
            <RowView
              key={item.key}
              row={row}
              top={top}
              columns={columns}
              selectable={selectable}
              selected={selectable && selection.has(row.id)}
              score={score}
              onOpen={open}
              onToggle={toggle}
              onFindSimilar={onFindSimilar ? similar : undefined}
            />
          )
        })}
      </div>
    </div>
  )
  // One tree whether or not the bar shows: a total crossing SEGMENT_ROWS while the user scrolls keeps
  // the scroll element (and the focus in it). The bar is inside `height`.
  return (
    <div style={{ height, display: 'flex', flexDirection: 'column' }}>
      {segment.segments > 1 && (
        <Group justify="space-between" mb={4} gap="xs">
          <Text size="xs" c="dimmed" aria-live="polite" data-testid="record-table-segment">
            Rows {(segment.start + 1).toLocaleString()}–{(segment.start + segment.count).toLocaleString()} of{' '}
            {count.toLocaleString()}
          </Text>
          <Pagination
            size="xs"
            total={segment.segments}
            value={segment.index + 1}
            onChange={(page) => {
              if (page - 1 === segment.index) return
              if (scrollRef.current) scrollRef.current.scrollTop = 0
              // The virtualizer hears of the scroll only at the next scroll event: without this the new
              // segment's first render would ask for the page at the old position.
              virtualizer.scrollOffset = 0
              setSegmentIndex(page - 1)
            }}
            aria-label="Segments of the records"
            getControlProps={(control) => ({ 'aria-label': `${control} segment` })}
            data-testid="record-table-segments"
          />
        </Group>
      )}
      {table}
    </div>
  )
}
