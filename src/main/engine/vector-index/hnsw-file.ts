// Reader for the file hnswlib's saveIndex writes (hnswlib 0.7/0.8 layout, as bundled in
// hnswlib-node 3.0.0). We scan it ourselves to checksum and validate it before handing it to the
// native loader (a damaged graph loads fine and then crashes the process on search) and to extract
// labels, deletion marks and vectors without one native call per point. The file is streamed in
// chunks so that opening a large index does not first copy the whole file into memory.
//
// Layout (little endian, size_t = 8 bytes):
//   offsetLevel0 u64, maxElements u64, count u64, sizeDataPerElement u64, labelOffset u64,
//   offsetData u64, maxLevel i32, entryPoint u32, maxM u64, maxM0 u64, M u64, mult f64,
//   efConstruction u64                                              (96 bytes)
//   count x element: [level-0 links: u32 header + maxM0 x u32][dim x f32][label u64]
//   count x (u32 byteLength + upper-level links)
// Byte 2 of each element's level-0 header carries the "deleted" mark (bit 0).
import { createHash } from 'node:crypto'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

const HEADER_BYTES = 96
const DELETED_MARK = 0x01
const CHUNK_BYTES = 8 * 1024 * 1024

export interface HnswFileInfo {
  bytes: number
  sha256: string
  maxElements: number
  count: number
  dim: number
  M: number
  efConstruction: number
  /** Live labels in element order; their vectors fill arena slots 0..liveLabels.length-1. */
  liveLabels: Float64Array
  deletedLabels: number[]
  /** Present when vectors were requested: room for `count` vectors (grown later as needed). */
  arena?: Float32Array
}

export class HnswFileError extends Error {}

function u64(buf: Buffer, offset: number): number {
  const lo = buf.readUInt32LE(offset)
  const hi = buf.readUInt32LE(offset + 4)
  if (hi >= 0x200000) throw new HnswFileError(`implausible 64-bit value at byte ${offset}`)
  return hi * 0x100000000 + lo
}

function readFully(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done)
    if (n === 0) throw new HnswFileError('index file ended early')
    done += n
  }
}

/**
 * Checksums and structurally validates an hnswlib index file, collecting labels, deletion marks
 * and (optionally) the live vectors. Throws HnswFileError when the file is malformed; the caller
 * must still compare `sha256` with the expected value before trusting anything else.
 */
export function scanHnswFile(path: string, collectVectors: boolean): HnswFileInfo {
  const fd = openSync(path, 'r')
  try {
    const fileBytes = fstatSync(fd).size
    const hash = createHash('sha256')
    if (fileBytes < HEADER_BYTES) throw new HnswFileError('index file shorter than its header')
    const header = Buffer.alloc(HEADER_BYTES)
    readFully(fd, header, HEADER_BYTES, 0)
    hash.update(header)

    const offsetLevel0 = u64(header, 0)
    const maxElements = u64(header, 8)
    const count = u64(header, 16)
    const elementBytes = u64(header, 24)
    const labelOffset = u64(header, 32)
    const offsetData = u64(header, 40)
    const maxLevel = header.readInt32LE(48)
    const entryPoint = header.readUInt32LE(52)
    const maxM = u64(header, 56)
    const maxM0 = u64(header, 64)
    const M = u64(header, 72)
    const efConstruction = u64(header, 88)
    const dataBytes = labelOffset - offsetData
    if (
      offsetLevel0 !== 0 ||
      offsetData !== 4 + maxM0 * 4 ||
      dataBytes <= 0 ||
      dataBytes % 4 !== 0 ||
      elementBytes !== labelOffset + 8 ||
      count > maxElements ||
      maxM !== M ||
      maxM0 !== 2 * M ||
      maxLevel < 0 ||
      maxLevel > 64 ||
      (count > 0 && entryPoint >= count)
    ) {
      throw new HnswFileError('index header is inconsistent')
    }
    const dim = dataBytes / 4
    const level0End = HEADER_BYTES + count * elementBytes
    if (level0End > fileBytes) throw new HnswFileError('index file truncated in level 0')

    // Level 0, in chunks of whole elements. Every offset inside an element is a multiple of 4 and
    // the chunk has its own ArrayBuffer, so vectors can be viewed in place as float32.
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / elementBytes))
    const chunk = Buffer.allocUnsafeSlow(Math.min(count, perChunk) * elementBytes)
    // Sized by count (bounded by the file size), not by the header's maxElements, which is not yet
    // covered by a verified checksum.
    const arena = collectVectors ? new Float32Array(count * dim) : undefined
    const labels = new Float64Array(count)
    const deleted = new Uint8Array(count)
    let liveCount = 0
    for (let first = 0; first < count; first += perChunk) {
      const n = Math.min(perChunk, count - first)
      readFully(fd, chunk, n * elementBytes, HEADER_BYTES + first * elementBytes)
      const view = chunk.subarray(0, n * elementBytes)
      hash.update(view)
      for (let j = 0; j < n; j++) {
        const base = j * elementBytes
        const i = first + j
        labels[i] = u64(chunk, base + labelOffset)
        if (((chunk[base + 2] as number) & DELETED_MARK) !== 0) {
          deleted[i] = 1
          continue
        }
        if (arena) arena.set(new Float32Array(chunk.buffer, chunk.byteOffset + base + offsetData, dim), liveCount * dim)
        liveCount++
      }
    }

    // Upper levels: (u32 size, links) per element; the sizes must tile the rest of the file.
    const restBytes = fileBytes - level0End
    const rest = Buffer.allocUnsafe(restBytes)
    readFully(fd, rest, restBytes, level0End)
    hash.update(rest)
    const linksPerLevelBytes = 4 + maxM * 4
    let pos = 0
    for (let i = 0; i < count; i++) {
      if (pos + 4 > restBytes) throw new HnswFileError('index file truncated in upper levels')
      const bytes = rest.readUInt32LE(pos)
      if (bytes % linksPerLevelBytes !== 0 || bytes / linksPerLevelBytes > maxLevel) {
        throw new HnswFileError('index upper-level link list is malformed')
      }
      pos += 4 + bytes
    }
    if (pos !== restBytes) throw new HnswFileError('index file size does not match its contents')

    const liveLabels = new Float64Array(liveCount)
    const deletedLabels: number[] = []
    const seen = new Set<number>()
    let live = 0
    for (let i = 0; i < count; i++) {
      const label = labels[i] as number
      if (seen.has(label)) throw new HnswFileError(`label ${label} appears twice in the index`)
      seen.add(label)
      if (deleted[i]) deletedLabels.push(label)
      else liveLabels[live++] = label
    }
    return {
      bytes: fileBytes,
      sha256: hash.digest('hex'),
      maxElements,
      count,
      dim,
      M,
      efConstruction,
      liveLabels,
      deletedLabels,
      arena
    }
  } finally {
    closeSync(fd)
  }
}
