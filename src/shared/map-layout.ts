// The map's layout as bytes: the same encoding crosses IPC (a Uint8Array), the browser mode's
// octet-stream route (MAP_PATH) and the cache file beside the database (decision 0102).
//   "CDMAP1\0\0" | u32 header bytes | header JSON (UTF-8) | zero padding to 4 | n x (f32 x, f32 y), little endian
// Coordinates stay binary: 100,000 points are 800 KB instead of several MB of JSON numbers.

const MAGIC = 'CDMAP1\0\0'

export interface MapLayoutHeader {
  collectionId: string
  /** 'pca' while UMAP still refines it. */
  stage: 'pca' | 'umap'
  /** Record ids, in point order. */
  ids: string[]
  /** Records in the collection when the layout was made; more than ids.length when it was sampled. */
  total: number
  updatedAt: number
  /**
   * The collection's write sequence number the layout reflects (this computer's database only): the
   * same number later means nothing changed, so the layout is served without a job (decision 0105).
   */
  seq?: number
  /**
   * The collection's key in the database file with that number: a collection deleted and made again
   * under the same id (a restore) has another one, and its write numbers start again from 0.
   */
  cid?: number
}

/** One metadata key's values in point order (code -1 / null: the record lacks the key). */
export type MapValues =
  | { kind: 'category'; key: string; categories: string[]; codes: number[] }
  | { kind: 'number'; key: string; min: number; max: number; values: (number | null)[] }

export interface MapLayout {
  header: MapLayoutHeader
  /** [x0, y0, x1, y1, ...], one pair per id. */
  coords: Float32Array
}

export function encodeMapLayout(layout: MapLayout): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(layout.header))
  const start = align4(8 + 4 + json.length)
  const bytes = new Uint8Array(start + layout.coords.length * 4)
  for (let i = 0; i < 8; i++) bytes[i] = MAGIC.charCodeAt(i)
  const view = new DataView(bytes.buffer)
  view.setUint32(8, json.length, true)
  bytes.set(json, 12)
  for (let i = 0; i < layout.coords.length; i++) view.setFloat32(start + i * 4, layout.coords[i]!, true)
  return bytes
}

/** Reads bytes written by encodeMapLayout; throws on anything else (a damaged cache file is rebuilt). */
export function decodeMapLayout(bytes: Uint8Array): MapLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new Error('Not a map layout')
  }
  const jsonBytes = view.getUint32(8, true)
  if (12 + jsonBytes > bytes.length) throw new Error('Map layout is cut short')
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonBytes))) as MapLayoutHeader
  if (!Array.isArray(header.ids) || (header.stage !== 'pca' && header.stage !== 'umap')) {
    throw new Error('Map layout header is malformed')
  }
  const start = align4(12 + jsonBytes)
  if (bytes.length !== start + header.ids.length * 8) throw new Error('Map layout size does not match its ids')
  const coords = new Float32Array(header.ids.length * 2)
  for (let i = 0; i < coords.length; i++) coords[i] = view.getFloat32(start + i * 4, true)
  return { header, coords }
}

const align4 = (x: number): number => (x + 3) & ~3
