import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip
} from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import type { Filter } from '../../../../shared/contract'
import { useConnection, useJobs, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { plural } from '../../lib/format'
import { RecordDrawer } from '../records/RecordDrawer'
import { RecordsView, type RecordSubset } from '../records/RecordsView'
import { CollectionTransfer } from '../transfer/CollectionTransfer'
import { normalise } from '../../../../shared/map-geometry'
import { fetchLayout, pointColours, pointSizes, fetchQueryHits, queryPoint } from './map-data'
import { MapQuery, type MapQueryInput } from './MapQuery'
import { PointCanvas } from './point-canvas'

type Hit = { index: number; distance: number }

const MAP_HEIGHT = 480
const NONE: number[] = []
const NO_HITS: Hit[] = []

function parseFilter(text: string): Filter | null | 'invalid' {
  if (text.trim() === '') return null
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Filter) : 'invalid'
  } catch {
    return 'invalid'
  }
}

/**
 * Every record of a collection as a point (issue #15): PCA at once, UMAP when ready; colour, size and
 * a where filter from metadata; a lasso (or a click) picks the records the table below shows; a query
 * draws its hits with lines to the query point.
 */
export function MapPanel({ collectionId }: { collectionId: string }) {
  const transport = useTransport()
  const { connection } = useConnection()
  const lassoRef = useRef<SVGSVGElement>(null)
  const [plot, setPlot] = useState<PointCanvas | null>(null)
  const [canvasError, setCanvasError] = useState<string | null>(null)
  // The layout's ids for the canvas's event handlers (set in an effect, read on a click).
  const idsRef = useRef<string[]>([])
  const [colourKey, setColourKey] = useState<string | null>(null)
  const [sizeKey, setSizeKey] = useState<string | null>(null)
  const [whereText, setWhereText] = useState('')
  const [debouncedWhere] = useDebouncedValue(whereText, 400)
  const [mode, setMode] = useState<'panZoom' | 'lasso'>('panZoom')
  // What was picked belongs to one layout (its `updatedAt`): a new layout has other points.
  const [picked, setPicked] = useState<{ stamp: number; indices: number[] }>({ stamp: 0, indices: [] })
  const [hover, setHover] = useState<{ index: number; x: number; y: number } | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const [k, setK] = useState(10)
  const [queryHits, setQueryHits] = useState<{ stamp: number; hits: Hit[] }>({ stamp: 0, hits: [] })
  const [view, setView] = useState(0)

  // Bring the layout up to date when the tab opens and whenever the collection's size changes.
  const start = useMutation({
    mutationFn: (recompute: boolean) => transport.call('collections.mapStart', { collectionId, recompute })
  })
  const count = useQuery({
    queryKey: queryKeys.records.count(collectionId, { map: true }),
    queryFn: () => transport.call('records.count', { collectionId })
  })
  const startLayout = start.mutate
  useEffect(() => {
    if (count.data !== undefined) startLayout(false)
  }, [count.data, startLayout])

  const jobs = useJobs()
  const job = (jobs.data ?? []).find((j) => j.kind === 'map' && j.collectionId === collectionId)
  const layout = useQuery({
    // A new phase of the job (PCA stored, UMAP stored, done) may bring a new layout.
    queryKey: ['map', connection, collectionId, 'layout', job?.jobId, job?.phase, job?.state],
    queryFn: () => fetchLayout(transport, connection, collectionId),
    placeholderData: keepPreviousData
  })
  const data = layout.data ?? null
  const stamp = data?.header.updatedAt ?? 0

  const keys = useQuery({
    queryKey: queryKeys.collections.metadataKeys(collectionId),
    queryFn: () => transport.call('collections.metadataKeys', { id: collectionId })
  })
  const numberKeys = (keys.data ?? []).filter((key) => key.types.every((t) => t === 'int' || t === 'float'))
  const values = (key: string | null) => ({
    queryKey: ['map', connection, collectionId, 'values', key, stamp],
    queryFn: () => transport.call('collections.mapValues', { collectionId, key: key as string }),
    enabled: key !== null && data !== null
  })
  const colour = useQuery(values(colourKey))
  const size = useQuery(values(sizeKey))
  const where = parseFilter(debouncedWhere)
  const match = useQuery({
    queryKey: ['map', connection, collectionId, 'match', debouncedWhere, stamp],
    queryFn: () => transport.call('collections.mapMatch', { collectionId, where: where as Filter }),
    enabled: where !== null && where !== 'invalid' && data !== null
  })

  const stampRef = useRef(0)
  const overlayRef = useRef(false)
  // The canvas lives as long as its element (a ref callback: created once the element exists).
  const canvasRef = useCallback((canvas: HTMLCanvasElement | null) => {
    if (!canvas) return
    let created: PointCanvas
    try {
      created = new PointCanvas(
        canvas,
        {
          onSelect: (indices) => {
            setPicked({ stamp: stampRef.current, indices })
            setQueryHits({ stamp: 0, hits: [] })
            // A click on one point opens its record.
            if (indices.length === 1) setOpenId(idsRef.current[indices[0]!] ?? null)
          },
          onHover: (index) => {
            const at = index === null || index < 0 ? null : created.screenPosition(index)
            setHover(at && index !== null ? { index, x: at[0], y: at[1] } : null)
          },
          // Only an overlay follows the view: re-rendering the panel on every frame of a pan would cost frames.
          onView: () => {
            if (overlayRef.current) setView((v) => v + 1)
          }
        },
        lassoRef.current
      )
    } catch (err) {
      setCanvasError(err instanceof Error ? err.message : String(err))
      return
    }
    setPlot(created)
    return () => {
      setPlot(null)
      created.destroy()
    }
  }, [])

  useEffect(() => plot?.setMode(mode), [plot, mode])

  // Points: drawn again when the layout, colours or sizes change.
  const points = useMemo(() => {
    if (!data) return null
    const n = data.header.ids.length
    const { x, y } = normalise(data.coords)
    const matched = match.data && where !== null && where !== 'invalid' ? new Set(match.data) : null
    const { valueA, colours } = pointColours(n, colour.data ?? null, matched)
    const sizes = sizeKey
      ? pointSizes(n, size.data ?? null).map((v) => 2 + v * 8)
      : new Float32Array(n).fill(n > 20_000 ? 3 : 5)
    return { x, y, colour: valueA, size: sizes, colours }
  }, [data, colour.data, size.data, match.data, where, sizeKey])

  useEffect(() => {
    if (points) plot?.setPoints(points)
  }, [plot, points])

  const ids = data?.header.ids
  useEffect(() => {
    idsRef.current = ids ?? []
    stampRef.current = stamp
  }, [ids, stamp])
  const selected = picked.stamp === stamp ? picked.indices : NONE
  const hits = queryHits.stamp === stamp ? queryHits.hits : NO_HITS
  useEffect(() => {
    overlayRef.current = hits.length > 0
  }, [hits])
  const subset = useMemo<RecordSubset | undefined>(() => {
    if (!ids || selected.length === 0) return undefined
    let hash = 0
    for (const i of selected) hash = (hash * 31 + i) >>> 0
    return { key: `${stamp}:${selected.length}:${hash}`, ids: selected.map((i) => ids[i]!) }
  }, [ids, selected, stamp])

  const hoverId = hover && ids ? ids[hover.index] : undefined
  const hoverRecord = useQuery({
    queryKey: queryKeys.records.get(collectionId, hoverId ? [hoverId] : [], false),
    queryFn: () => transport.call('records.get', { collectionId, ids: [hoverId as string] }),
    enabled: hoverId !== undefined
  })

  const runQuery = useMutation({
    mutationFn: (input: MapQueryInput) => fetchQueryHits(transport, collectionId, k, input),
    onSuccess: (rows) => {
      if (!ids) return
      const index = new Map(ids.map((id, i) => [id, i]))
      const found = rows
        .map((r) => ({ index: index.get(r.id) ?? -1, distance: r.distance }))
        .filter((h) => h.index >= 0)
      setQueryHits({ stamp, hits: found })
      // The hits become the selection, so the table shows them.
      plot?.select(found.map((h) => h.index))
      setPicked({ stamp, indices: found.map((h) => h.index) })
    }
  })
  const findSimilar = (id: string): void => {
    setOpenId(null)
    runQuery.mutate({ kind: 'similar', similarTo: id })
  }

  // Screen positions of the query's hits (and its point), kept in step with pan and zoom.
  const overlay = useMemo(() => {
    void view
    if (!plot || hits.length === 0) return null
    const at = hits
      .map((h) => ({ p: plot.screenPosition(h.index), distance: h.distance }))
      .filter((h): h is { p: [number, number]; distance: number } => h.p !== null)
      .map((h) => ({ x: h.p[0], y: h.p[1], distance: h.distance }))
    const centre = queryPoint(at)
    return centre ? { centre, at } : null
  }, [plot, hits, view])

  const n = data?.header.ids.length ?? 0
  const sampled = data ? data.header.total > n : false
  const running = job?.state === 'running'
  const stage = data?.header.stage

  return (
    <Stack gap="sm" data-testid="map-panel">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Select
          label="Colour by"
          placeholder="None"
          clearable
          data={(keys.data ?? []).map((key) => key.key)}
          value={colourKey}
          onChange={setColourKey}
          w={160}
          data-testid="map-colour-by"
        />
        <Select
          label="Size by"
          placeholder="None"
          clearable
          data={numberKeys.map((key) => key.key)}
          value={sizeKey}
          onChange={setSizeKey}
          w={140}
          data-testid="map-size-by"
        />
        <TextInput
          label="Dim what a where filter excludes"
          placeholder='{"genre": "news"}'
          value={whereText}
          onChange={(e) => setWhereText(e.currentTarget.value)}
          error={where === 'invalid' && whereText === debouncedWhere ? 'A JSON object' : null}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          w={240}
          data-testid="map-where"
        />
        <SegmentedControl
          value={mode}
          onChange={(value) => setMode(value as 'panZoom' | 'lasso')}
          data={[
            { label: 'Pan & zoom', value: 'panZoom' },
            { label: 'Lasso', value: 'lasso' }
          ]}
          data-testid="map-mode"
        />
        <MapQuery
          collectionId={collectionId}
          k={k}
          onK={setK}
          onRun={(input) => runQuery.mutate(input)}
          running={runQuery.isPending}
          disabled={!data}
        />
      </Group>
      <Group gap="xs" h={24}>
        <Text size="sm" c="dimmed" data-testid="map-status" data-points={n} data-stage={stage ?? ''}>
          {data ? `${plural(n)} · ${stage === 'umap' ? 'UMAP layout' : 'PCA layout'}` : 'No layout yet'}
          {sampled
            ? ` · an evenly spread sample of ${n.toLocaleString()} of ${data?.header.total.toLocaleString()} records`
            : ''}
          {selected.length > 0 ? ` · ${selected.length.toLocaleString()} selected` : ''}
        </Text>
        {running && (
          <Badge variant="light" leftSection={<Loader size={10} />} data-testid="map-job">
            {job?.phase ?? 'starting'}
            {job && job.total > 0 ? ` ${Math.round((job.done / job.total) * 100)}%` : ''}
          </Badge>
        )}
        {job?.state === 'failed' && (
          <Text size="sm" c="red" data-testid="map-job-error">
            {job.error}
          </Text>
        )}
        <Tooltip label="Compute the layout again from every record (PCA, then UMAP)">
          <Button
            size="compact-sm"
            variant="default"
            ml="auto"
            onClick={() => start.mutate(true)}
            data-testid="map-recompute"
          >
            Recompute
          </Button>
        </Tooltip>
        {subset && <CollectionTransfer collectionId={collectionId} ids={subset.ids} />}
        {selected.length > 0 && (
          <Button
            size="compact-sm"
            variant="subtle"
            onClick={() => {
              plot?.select([])
              setPicked({ stamp, indices: [] })
              setQueryHits({ stamp, hits: [] })
            }}
          >
            Clear selection
          </Button>
        )}
      </Group>
      {canvasError && (
        <Alert color="red" title="The map cannot be drawn here" data-testid="map-canvas-error">
          {canvasError}
        </Alert>
      )}
      {(layout.error ?? start.error ?? runQuery.error) && (
        <Alert color="red" title="The map could not do that" data-testid="map-error">
          {(layout.error ?? start.error ?? runQuery.error)?.message}
        </Alert>
      )}
      <Group align="flex-start" wrap="nowrap" gap="sm">
        <div
          style={{
            position: 'relative',
            flex: '1 1 auto',
            height: MAP_HEIGHT,
            border: '1px solid var(--mantine-color-gray-3)'
          }}
          data-testid="map-canvas-box"
        >
          <canvas
            ref={canvasRef}
            style={{ width: '100%', height: '100%', display: 'block' }}
            data-testid="map-canvas"
          />
          <svg
            ref={lassoRef}
            style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }}
          >
            <polyline points="" fill="rgba(76, 110, 245, 0.08)" stroke="#4c6ef5" strokeWidth={1.5} />
          </svg>
          {overlay && (
            <svg
              style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' }}
              data-testid="map-query-overlay"
              data-hits={overlay.at.length}
            >
              {overlay.at.map((h, i) => (
                <line
                  key={i}
                  x1={overlay.centre.x}
                  y1={overlay.centre.y}
                  x2={h.x}
                  y2={h.y}
                  stroke="#e8590c"
                  strokeWidth={1}
                />
              ))}
              <circle cx={overlay.centre.x} cy={overlay.centre.y} r={6} fill="#e8590c" stroke="white" strokeWidth={2} />
            </svg>
          )}
          {hover && hoverId && (
            <div
              style={{
                position: 'absolute',
                left: Math.min(hover.x + 12, 9999),
                top: hover.y + 12,
                maxWidth: 320,
                pointerEvents: 'none',
                background: 'white',
                border: '1px solid var(--mantine-color-gray-4)',
                borderRadius: 4,
                padding: '4px 8px',
                fontSize: 12
              }}
              data-testid="map-hover"
            >
              <Text size="xs" fw={600}>
                {hoverId}
              </Text>
              <Text size="xs" lineClamp={2}>
                {hoverRecord.data?.[0]?.document?.split('\n')[0] ?? ''}
              </Text>
            </div>
          )}
          {!data && (
            <Group justify="center" style={{ position: 'absolute', inset: 0 }}>
              <Loader size="sm" />
              <Text c="dimmed">Laying out the records…</Text>
            </Group>
          )}
        </div>
        <Legend colours={points?.colours ?? []} values={colour.data ?? null} />
      </Group>
      {subset ? (
        <RecordsView key={subset.key} collectionId={collectionId} subset={subset} />
      ) : (
        <Text size="sm" c="dimmed" data-testid="map-no-selection">
          Choose Lasso and draw around points (or click one) to list their records here.
        </Text>
      )}
      <RecordDrawer
        collectionId={collectionId}
        recordId={openId}
        onClose={() => setOpenId(null)}
        onFindSimilar={findSimilar}
      />
    </Stack>
  )
}

function Legend({
  colours,
  values
}: {
  colours: string[]
  values: import('../../../../shared/map-layout').MapValues | null
}) {
  if (!values) return null
  if (values.kind === 'number') {
    return (
      <Stack gap={2} w={160} data-testid="map-legend">
        <Text size="xs" fw={600}>
          {values.key}
        </Text>
        <div style={{ height: 10, background: `linear-gradient(to right, ${colours.slice(0, -1).join(', ')})` }} />
        <Group justify="space-between">
          <Text size="xs">{values.min}</Text>
          <Text size="xs">{values.max}</Text>
        </Group>
      </Stack>
    )
  }
  return (
    <Stack gap={2} w={160} data-testid="map-legend">
      <Text size="xs" fw={600}>
        {values.key}
      </Text>
      {values.categories.map((c, i) => (
        <Group key={c} gap={6} wrap="nowrap" data-testid="map-legend-item">
          <div style={{ width: 10, height: 10, borderRadius: 5, background: colours[i], flex: 'none' }} />
          <Text size="xs" truncate>
            {c}
          </Text>
        </Group>
      ))}
    </Stack>
  )
}
