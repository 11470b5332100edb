// The map's geometry: layout coordinates to the canvas's normalised space, the camera, and selection
// maths, apart from WebGL so it is tested alone (and the bench aims its lasso with it).

/** Maps normalised point coordinates ([-1, 1] fits the canvas's shorter side) to CSS pixels. */
export interface Camera {
  /** Zoom: 1 shows [-1, 1] across the shorter side. */
  scale: number
  /** The normalised coordinate at the canvas's centre. */
  cx: number
  cy: number
}

export const INITIAL_CAMERA: Camera = { scale: 1, cx: 0, cy: 0 }

export function toScreen(cam: Camera, width: number, height: number, x: number, y: number): [number, number] {
  const half = Math.min(width, height) / 2
  return [width / 2 + (x - cam.cx) * cam.scale * half, height / 2 - (y - cam.cy) * cam.scale * half]
}

export function toWorld(cam: Camera, width: number, height: number, sx: number, sy: number): [number, number] {
  const half = Math.min(width, height) / 2
  return [cam.cx + (sx - width / 2) / (cam.scale * half), cam.cy - (sy - height / 2) / (cam.scale * half)]
}

/** Zoom by `factor` keeping the world point under (sx, sy) where it is. */
export function zoomAt(cam: Camera, width: number, height: number, sx: number, sy: number, factor: number): Camera {
  const [wx, wy] = toWorld(cam, width, height, sx, sy)
  const scale = Math.min(1e4, Math.max(0.2, cam.scale * factor))
  const half = Math.min(width, height) / 2
  return { scale, cx: wx - (sx - width / 2) / (scale * half), cy: wy + (sy - height / 2) / (scale * half) }
}

/** Moves the view by a drag of (dx, dy) CSS pixels. */
export function panBy(cam: Camera, width: number, height: number, dx: number, dy: number): Camera {
  const half = Math.min(width, height) / 2
  return { ...cam, cx: cam.cx - dx / (cam.scale * half), cy: cam.cy + dy / (cam.scale * half) }
}

/** Even-odd rule: is (x, y) inside the polygon? */
export function insidePolygon(polygon: [number, number][], x: number, y: number): boolean {
  let inside = false
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!
    const [xj, yj] = polygon[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Indices of the points inside a polygon given in screen pixels (bounding box first, then the rule). */
export function pointsInPolygon(
  cam: Camera,
  width: number,
  height: number,
  x: Float32Array,
  y: Float32Array,
  polygon: [number, number][]
): number[] {
  if (polygon.length < 3) return []
  const world = polygon.map(([sx, sy]) => toWorld(cam, width, height, sx, sy))
  let minX = Infinity
  let maxX = -Infinity
  let minY = Infinity
  let maxY = -Infinity
  for (const [px, py] of world) {
    minX = Math.min(minX, px)
    maxX = Math.max(maxX, px)
    minY = Math.min(minY, py)
    maxY = Math.max(maxY, py)
  }
  const hits: number[] = []
  for (let i = 0; i < x.length; i++) {
    const px = x[i]!
    const py = y[i]!
    if (px < minX || px > maxX || py < minY || py > maxY) continue
    if (insidePolygon(world, px, py)) hits.push(i)
  }
  return hits
}

/** The point nearest to (sx, sy) within `radius` pixels, or -1. */
export function nearestPoint(
  cam: Camera,
  width: number,
  height: number,
  x: Float32Array,
  y: Float32Array,
  sx: number,
  sy: number,
  radius: number
): number {
  const [wx, wy] = toWorld(cam, width, height, sx, sy)
  const r = radius / (cam.scale * (Math.min(width, height) / 2))
  let best = -1
  let bestD = r * r
  for (let i = 0; i < x.length; i++) {
    const dx = x[i]! - wx
    const dy = y[i]! - wy
    const d = dx * dx + dy * dy
    if (d <= bestD) {
      bestD = d
      best = i
    }
  }
  return best
}

/** Coordinates fitted into [-0.95, 0.95] (regl-scatterplot's normalised space), aspect kept. */
export function normalise(coords: Float32Array): { x: Float32Array; y: Float32Array } {
  const n = coords.length / 2
  let minX = Infinity
  let maxX = -Infinity
  let minY = Infinity
  let maxY = -Infinity
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, coords[i * 2]!)
    maxX = Math.max(maxX, coords[i * 2]!)
    minY = Math.min(minY, coords[i * 2 + 1]!)
    maxY = Math.max(maxY, coords[i * 2 + 1]!)
  }
  const factor = 1.9 / (Math.max(maxX - minX, maxY - minY) || 1)
  const cx = (minX + maxX) / 2
  const cy = (minY + maxY) / 2
  const x = new Float32Array(n)
  const y = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    x[i] = (coords[i * 2]! - cx) * factor
    y[i] = (coords[i * 2 + 1]! - cy) * factor
  }
  return { x, y }
}
