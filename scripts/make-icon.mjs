// The app's icon, drawn once here: `node scripts/make-icon.mjs` writes the SVG the pages use as their
// favicon and the 512 px PNG the desktop window and the packages use (electron-builder makes the
// .icns/.ico from it), both into src/renderer/public so the build ships them with the UI. Plain Node:
// shapes rasterized with 4x4 supersampling and written as a PNG (zlib), no image library needed.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const VIEW = 32
/** A rounded tile and three "embedding points" (the favicon's artwork since the first release). */
const TILE = { rx: 7, fill: '#1c7ed6' }
const DOTS = [
  { cx: 11, cy: 12, r: 4, fill: '#ffd43b' },
  { cx: 21, cy: 20, r: 5, fill: '#63e6be' },
  { cx: 21, cy: 10, r: 2.5, fill: '#ffffff' }
]

function svg() {
  const dots = DOTS.map((d) => `<circle cx="${d.cx}" cy="${d.cy}" r="${d.r}" fill="${d.fill}"/>`).join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${VIEW} ${VIEW}">` +
    `<rect width="${VIEW}" height="${VIEW}" rx="${TILE.rx}" fill="${TILE.fill}"/>${dots}</svg>\n`
  )
}

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))

/** The colour at a point of the artwork (view units), or null outside the tile. */
function colourAt(x, y) {
  for (const d of [...DOTS].reverse()) if ((x - d.cx) ** 2 + (y - d.cy) ** 2 <= d.r ** 2) return rgb(d.fill)
  // Inside the rounded tile: the distance to the nearest corner centre decides at the corners.
  const cx = Math.min(Math.max(x, TILE.rx), VIEW - TILE.rx)
  const cy = Math.min(Math.max(y, TILE.rx), VIEW - TILE.rx)
  return (x - cx) ** 2 + (y - cy) ** 2 <= TILE.rx ** 2 ? rgb(TILE.fill) : null
}

function rasterize(size, samples = 4) {
  const rows = []
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4) // filter byte 0, then RGBA
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0]
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = colourAt(((px + (sx + 0.5) / samples) * VIEW) / size, ((py + (sy + 0.5) / samples) * VIEW) / size)
          if (c) for (let k = 0; k < 3; k++) sum[k] += c[k]
          if (c) sum[3] += 1
        }
      }
      const n = samples * samples
      const covered = sum[3]
      for (let k = 0; k < 3; k++) row[1 + px * 4 + k] = covered ? Math.round(sum[k] / covered) : 0
      row[1 + px * 4 + 3] = Math.round((255 * covered) / n)
    }
    rows.push(row)
  }
  return Buffer.concat(rows)
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
function png(size) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8 bits per channel, RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rasterize(size), { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

const out = new URL('../src/renderer/public/', import.meta.url)
writeFileSync(new URL('icon.svg', out), svg())
writeFileSync(new URL('icon.png', out), png(512))
