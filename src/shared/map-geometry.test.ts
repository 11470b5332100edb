import { describe, expect, it } from 'vitest'
import {
  INITIAL_CAMERA,
  insidePolygon,
  nearestPoint,
  panBy,
  pointsInPolygon,
  toScreen,
  toWorld,
  zoomAt
} from './map-geometry.js'

describe('map geometry', () => {
  it('maps world to screen and back, fitting [-1, 1] into the shorter side', () => {
    expect(toScreen(INITIAL_CAMERA, 800, 400, 0, 0)).toEqual([400, 200])
    expect(toScreen(INITIAL_CAMERA, 800, 400, 1, 1)).toEqual([600, 0])
    const cam = { scale: 3, cx: 0.2, cy: -0.4 }
    const [sx, sy] = toScreen(cam, 640, 480, 0.5, 0.25)
    const [wx, wy] = toWorld(cam, 640, 480, sx, sy)
    expect(wx).toBeCloseTo(0.5)
    expect(wy).toBeCloseTo(0.25)
  })

  it('zooms around the cursor and pans by the drag', () => {
    const zoomed = zoomAt(INITIAL_CAMERA, 400, 400, 300, 100, 2)
    expect(zoomed.scale).toBe(2)
    const [wx, wy] = toWorld(zoomed, 400, 400, 300, 100)
    const [bx, by] = toWorld(INITIAL_CAMERA, 400, 400, 300, 100)
    expect(wx).toBeCloseTo(bx)
    expect(wy).toBeCloseTo(by)
    const moved = panBy(INITIAL_CAMERA, 400, 400, 200, 0)
    expect(moved.cx).toBeCloseTo(-1)
  })

  it('selects exactly the points inside a lasso', () => {
    const square: [number, number][] = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1]
    ]
    expect(insidePolygon(square, 0.5, 0.5)).toBe(true)
    expect(insidePolygon(square, 1.5, 0.5)).toBe(false)
    const x = Float32Array.from([-0.5, 0.5, 0.5, -0.5, 0])
    const y = Float32Array.from([0.5, 0.5, -0.5, -0.5, 0])
    // The left half of a 200 x 200 canvas: x < 0 in the world.
    const left: [number, number][] = [
      [0, 0],
      [99, 0],
      [99, 200],
      [0, 200]
    ]
    expect(pointsInPolygon(INITIAL_CAMERA, 200, 200, x, y, left)).toEqual([0, 3])
    expect(pointsInPolygon(INITIAL_CAMERA, 200, 200, x, y, left.slice(0, 2))).toEqual([])
  })

  it('finds the nearest point within a radius', () => {
    const x = Float32Array.from([0, 0.5])
    const y = Float32Array.from([0, 0])
    expect(nearestPoint(INITIAL_CAMERA, 200, 200, x, y, 150, 100, 4)).toBe(1)
    expect(nearestPoint(INITIAL_CAMERA, 200, 200, x, y, 125, 100, 4)).toBe(-1)
  })
})
