// The map's data in the renderer: the layout bytes (IPC call or the browser mode's octet stream),
// normalised points for regl-scatterplot, colours and the legend.
import { MAP_PATH, LOCAL_CONNECTION } from '../../../../shared/constants'
import { decodeMapLayout, type MapLayout, type MapValues } from '../../../../shared/map-layout'
import type { Transport } from '../../lib/transport'
import type { MapQueryInput } from './MapQuery'

export async function fetchLayout(
  transport: Transport,
  connection: string,
  collectionId: string
): Promise<MapLayout | null> {
  if (transport.kind === 'http' && transport.download) {
    const query = connection !== LOCAL_CONNECTION ? `?connection=${encodeURIComponent(connection)}` : ''
    const blob = await transport.download(`${MAP_PATH}/${encodeURIComponent(collectionId)}${query}`)
    // 204: no layout yet.
    return blob.size === 0 ? null : decodeMapLayout(new Uint8Array(await blob.arrayBuffer()))
  }
  const bytes = await transport.call('collections.mapLayout', { collectionId })
  return bytes === null ? null : decodeMapLayout(bytes)
}

/** Twenty distinguishable colours (the legend's categories), then the colour of "no value". */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#aec7e8',
  '#ffbb78',
  '#98df8a',
  '#ff9896',
  '#c5b0d5',
  '#c49c94',
  '#f7b6d2',
  '#9edae5',
  '#dbdb8d',
  '#393b79'
]
export const NO_VALUE = '#b8bec6'
/** Points a `where` filter excludes: drawn faint. */
export const DIMMED = '#e4e7eb'
/** Colour of every point when no key colours them. */
export const PLAIN = '#4c6ef5'

export interface PointData {
  x: Float32Array
  y: Float32Array
  /** Colour index into the colour list given alongside. */
  valueA: Float32Array
  /** Size, 0..1. */
  valueB: Float32Array
}

/**
 * Each point's colour index into the returned colour list: its category's colour (or a ramp step for
 * a number key), faint when a `where` filter excludes it.
 */
export function pointColours(
  n: number,
  colour: MapValues | null,
  matched: Set<number> | null
): { valueA: Float32Array; colours: string[] } {
  const valueA = new Float32Array(n)
  let colours: string[]
  if (colour?.kind === 'category') {
    colours = [...colour.categories.map((_, i) => PALETTE[i % PALETTE.length]!), NO_VALUE]
    colour.codes.forEach((code, i) => (valueA[i] = code < 0 ? colours.length - 1 : code))
  } else if (colour?.kind === 'number') {
    colours = [...RAMP, NO_VALUE]
    const span = colour.max - colour.min || 1
    colour.values.forEach((v, i) => {
      valueA[i] =
        v === null ? RAMP.length : Math.min(RAMP.length - 1, Math.floor(((v - colour.min) / span) * RAMP.length))
    })
  } else {
    colours = [PLAIN]
  }
  if (matched) {
    const dim = colours.length
    colours = [...colours, DIMMED]
    for (let i = 0; i < n; i++) if (!matched.has(i)) valueA[i] = dim
  }
  return { valueA, colours }
}

/** A number key's colours, low to high (viridis-like, 8 steps). */
export const RAMP = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725']

/** Each point's size (0..1) from a number key; points without a value get the smallest. */
export function pointSizes(n: number, size: MapValues | null): Float32Array {
  const valueB = new Float32Array(n).fill(0.5)
  if (size?.kind !== 'number') return valueB
  const span = size.max - size.min || 1
  size.values.forEach((v, i) => (valueB[i] = v === null ? 0 : (v - size.min) / span))
  return valueB
}

/** Where the query point is drawn: the hits' centre, nearer hits weighing more (decision 0104). */
export function queryPoint(hits: { x: number; y: number; distance: number }[]): { x: number; y: number } | null {
  if (hits.length === 0) return null
  let wx = 0
  let wy = 0
  let total = 0
  for (const h of hits) {
    const w = 1 / (1e-6 + Math.max(0, h.distance))
    wx += h.x * w
    wy += h.y * w
    total += w
  }
  return { x: wx / total, y: wy / total }
}

/**
 * A map query's hits with a distance for placing the query point. A hybrid hit has no distance: its
 * fused Rrf score (higher is nearer) stands in as 1 / |score|.
 */
export async function fetchQueryHits(
  transport: Transport,
  collectionId: string,
  k: number,
  input: MapQueryInput
): Promise<{ id: string; distance: number }[]> {
  if (input.kind === 'hybrid') {
    const rows = await transport.call('records.hybrid', {
      collectionId,
      text: input.text,
      nResults: k,
      denseWeight: input.denseWeight,
      keywordWeight: input.keywordWeight,
      rrfK: input.rrfK
    })
    return rows.map((r) => ({ id: r.id, distance: 1 / Math.max(1e-9, Math.abs(r.score)) }))
  }
  const query =
    input.kind === 'text'
      ? { text: input.text }
      : input.kind === 'vector'
        ? { embedding: input.embedding }
        : { similarTo: input.similarTo }
  const rows = await transport.call('records.query', { collectionId, nResults: k, ...query })
  return rows.map((r) => ({ id: r.id, distance: r.distance ?? 0 }))
}
