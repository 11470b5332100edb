// The map's renderer: every point in one WebGL draw call (gl.POINTS), panned and zoomed by a uniform,
// redrawn only when something changed. Written here rather than taken from regl-scatterplot: regl
// compiles its commands with `new Function`, which the app's Content Security Policy (script-src
// 'self', no 'unsafe-eval') refuses (decision 0104). Lasso, hover and click are plain maths over the
// coordinates (src/shared/map-geometry.ts).
import {
  INITIAL_CAMERA,
  nearestPoint,
  panBy,
  pointsInPolygon,
  toScreen,
  zoomAt,
  type Camera
} from '../../../../shared/map-geometry'
import { MovingSample } from './moving-sample'

// Colours are per-point RGBA bytes, looked up from the palette on the CPU: an index into a uniform
// array needs a loop per vertex, which software GL (SwiftShader) ran at a few frames a second.
const VERTEX = `
attribute vec2 position;
attribute vec4 rgba;
attribute float size;
attribute float selected;
uniform vec2 centre;
uniform vec2 scale;
uniform float pixelRatio;
uniform float anySelected;
varying vec4 tint;
varying float ring;
void main() {
  gl_Position = vec4((position - centre) * scale, 0.0, 1.0);
  vec4 c = rgba;
  // With a selection, the rest fades so the selected points stand out.
  tint = selected > 0.5 || anySelected < 0.5 ? c : vec4(c.rgb, 0.25);
  ring = selected;
  gl_PointSize = (size + selected * 3.0) * pixelRatio;
}`

const FRAGMENT = `
precision mediump float;
varying vec4 tint;
varying float ring;
void main() {
  vec2 p = gl_PointCoord * 2.0 - 1.0;
  float r = dot(p, p);
  if (r > 1.0) discard;
  gl_FragColor = ring > 0.5 && r > 0.55 ? vec4(0.1, 0.1, 0.1, 1.0) : tint;
}`

/** A moving view draws everything again once it has been still this long (decision 0104). */
const SETTLE_MS = 150

export interface PointCanvasEvents {
  onSelect(indices: number[]): void
  onHover(index: number | null): void
  /** After every redraw with a new view, so overlays follow. */
  onView(): void
}

export interface PointSet {
  x: Float32Array
  y: Float32Array
  /** Index into `colours`. */
  colour: Float32Array
  /** Diameter in CSS pixels. */
  size: Float32Array
  colours: string[]
}

export class PointCanvas {
  private readonly gl: WebGLRenderingContext
  private readonly program: WebGLProgram
  private readonly buffers: Record<'position' | 'rgba' | 'size' | 'selected', WebGLBuffer>
  private camera: Camera = INITIAL_CAMERA
  private points: PointSet | null = null
  private selected = new Set<number>()
  private frame = 0
  /** Draw slot -> point index: a shuffled order, so the first k slots are a random sample. */
  private order: Uint32Array = new Uint32Array(0)
  private readonly sample = new MovingSample()
  private movedAt = -Infinity
  /** When the earliest camera input since the last draw happened (its event's timeStamp). */
  private inputAt: number | null = null
  private settle: ReturnType<typeof setTimeout> | undefined
  private mode: 'panZoom' | 'lasso' = 'panZoom'
  private readonly detach: () => void
  private lasso: [number, number][] | null = null
  private readonly lassoPath: SVGPolylineElement | null

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly events: PointCanvasEvents,
    lassoLayer?: SVGSVGElement | null
  ) {
    const gl = canvas.getContext('webgl', { antialias: false, premultipliedAlpha: false, preserveDrawingBuffer: false })
    if (!gl) throw new Error('WebGL is not available in this window, so the map cannot be drawn')
    this.gl = gl
    this.program = link(gl, VERTEX, FRAGMENT)
    this.buffers = {
      position: gl.createBuffer()!,
      rgba: gl.createBuffer()!,
      size: gl.createBuffer()!,
      selected: gl.createBuffer()!
    }
    this.lassoPath = lassoLayer ? (lassoLayer.querySelector('polyline') as SVGPolylineElement | null) : null
    this.detach = this.listen()
  }

  setPoints(points: PointSet): void {
    const { gl } = this
    const n = points.x.length
    if (this.order.length !== n) {
      this.order = shuffled(n)
      this.selected = new Set()
    }
    const order = this.order
    const position = new Float32Array(n * 2)
    const palette = points.colours.map(parseColour)
    const rgba = new Uint8Array(n * 4)
    const size = new Float32Array(n)
    for (let slot = 0; slot < n; slot++) {
      const i = order[slot]!
      position[slot * 2] = points.x[i]!
      position[slot * 2 + 1] = points.y[i]!
      rgba.set(palette[points.colour[i]!] ?? palette[0]!, slot * 4)
      size[slot] = points.size[i]!
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.position)
    gl.bufferData(gl.ARRAY_BUFFER, position, gl.STATIC_DRAW)
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.rgba)
    gl.bufferData(gl.ARRAY_BUFFER, rgba, gl.STATIC_DRAW)
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.size)
    gl.bufferData(gl.ARRAY_BUFFER, size, gl.STATIC_DRAW)
    this.points = points
    this.uploadSelection()
    this.request()
  }

  select(indices: number[]): void {
    this.selected = new Set(indices)
    this.uploadSelection()
    this.request()
  }

  setMode(mode: 'panZoom' | 'lasso'): void {
    this.mode = mode
    this.canvas.style.cursor = mode === 'lasso' ? 'crosshair' : 'grab'
  }

  /** Where a point is drawn, in CSS pixels from the canvas's top left. */
  screenPosition(index: number): [number, number] | null {
    if (!this.points || index < 0 || index >= this.points.x.length) return null
    const { width, height } = this.size()
    return toScreen(this.camera, width, height, this.points.x[index]!, this.points.y[index]!)
  }

  /** Pans by (dx, dy) pixels and zooms by `factor` around the centre: what the bench drives. */
  move(dx: number, dy: number, factor = 1): void {
    const { width, height } = this.size()
    this.camera = zoomAt(panBy(this.camera, width, height, dx, dy), width, height, width / 2, height / 2, factor)
    this.viewChanged(performance.now())
  }

  destroy(): void {
    cancelAnimationFrame(this.frame)
    clearTimeout(this.settle)
    this.detach()
    this.gl.getExtension('WEBGL_lose_context')?.loseContext()
  }

  private size(): { width: number; height: number } {
    return { width: this.canvas.clientWidth || 1, height: this.canvas.clientHeight || 1 }
  }

  private uploadSelection(): void {
    const n = this.points?.x.length ?? 0
    const flags = new Float32Array(n)
    for (let slot = 0; slot < n; slot++) if (this.selected.has(this.order[slot]!)) flags[slot] = 1
    const { gl } = this
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.selected)
    gl.bufferData(gl.ARRAY_BUFFER, flags, gl.DYNAMIC_DRAW)
  }

  /** The camera moved: draw now (a sample, when slow), and everything once it is still. */
  private viewChanged(inputAt: number): void {
    this.movedAt = performance.now()
    this.inputAt ??= inputAt
    clearTimeout(this.settle)
    this.settle = setTimeout(() => this.request(), SETTLE_MS + 10)
    this.request()
  }

  private request(): void {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      this.draw()
      this.events.onView()
    })
  }

  private draw(): void {
    const { gl, canvas, program } = this
    const ratio = window.devicePixelRatio || 1
    const { width, height } = this.size()
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio)
      canvas.height = Math.round(height * ratio)
    }
    gl.viewport(0, 0, canvas.width, canvas.height)
    gl.clearColor(1, 1, 1, 1)
    gl.clear(gl.COLOR_BUFFER_BIT)
    const points = this.points
    if (!points || points.x.length === 0) return
    gl.useProgram(program)
    gl.enable(gl.BLEND)
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA)
    const shorter = Math.min(width, height)
    gl.uniform2f(gl.getUniformLocation(program, 'centre'), this.camera.cx, this.camera.cy)
    gl.uniform2f(
      gl.getUniformLocation(program, 'scale'),
      (this.camera.scale * shorter) / width,
      (this.camera.scale * shorter) / height
    )
    gl.uniform1f(gl.getUniformLocation(program, 'pixelRatio'), ratio)
    gl.uniform1f(gl.getUniformLocation(program, 'anySelected'), this.selected.size > 0 ? 1 : 0)
    this.attribute('position', 2)
    this.attribute('rgba', 4, gl.UNSIGNED_BYTE)
    this.attribute('size', 1)
    this.attribute('selected', 1)
    const n = points.x.length
    const moving = performance.now() - this.movedAt < SETTLE_MS
    const count = this.sample.count(n, moving)
    gl.drawArrays(gl.POINTS, 0, count)
    // The time between frames of a moving view is what the user sees (a GPU's work is not timed by JS).
    this.sample.drawn(performance.now(), moving, count, this.inputAt ?? -Infinity)
    this.inputAt = null
  }

  private attribute(name: keyof PointCanvas['buffers'], components: number, type: number = this.gl.FLOAT): void {
    const { gl, program } = this
    const at = gl.getAttribLocation(program, name)
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers[name])
    gl.enableVertexAttribArray(at)
    // Bytes are normalised to 0..1 (colours).
    gl.vertexAttribPointer(at, components, type, type !== gl.FLOAT, 0, 0)
  }

  private listen(): () => void {
    const canvas = this.canvas
    let drag: { x: number; y: number; moved: boolean } | null = null
    let hoverFrame = 0
    const local = (e: MouseEvent): [number, number] => {
      const r = canvas.getBoundingClientRect()
      return [e.clientX - r.left, e.clientY - r.top]
    }
    const down = (e: MouseEvent): void => {
      const [x, y] = local(e)
      drag = { x, y, moved: false }
      if (this.mode === 'lasso') this.lasso = [[x, y]]
    }
    const move = (e: MouseEvent): void => {
      const [x, y] = local(e)
      if (drag) {
        if (Math.abs(x - drag.x) + Math.abs(y - drag.y) > 3) drag.moved = true
        if (this.lasso) {
          this.lasso.push([x, y])
          this.lassoPath?.setAttribute('points', this.lasso.map((p) => p.join(',')).join(' '))
        } else if (drag.moved) {
          const { width, height } = this.size()
          this.camera = panBy(this.camera, width, height, x - drag.x, y - drag.y)
          drag.x = x
          drag.y = y
          this.viewChanged(e.timeStamp)
        }
        return
      }
      // Hover: at most once a frame.
      if (hoverFrame) return
      hoverFrame = requestAnimationFrame(() => {
        hoverFrame = 0
        this.events.onHover(this.pick(x, y))
      })
    }
    const up = (e: MouseEvent): void => {
      if (!drag) return
      const [x, y] = local(e)
      const lasso = this.lasso
      this.lasso = null
      this.lassoPath?.setAttribute('points', '')
      const wasDrag = drag.moved
      drag = null
      if (lasso && wasDrag && this.points) {
        const { width, height } = this.size()
        const picked = pointsInPolygon(this.camera, width, height, this.points.x, this.points.y, lasso)
        this.select(picked)
        this.events.onSelect(picked)
      } else if (!wasDrag) {
        const hit = this.pick(x, y)
        this.select(hit >= 0 ? [hit] : [])
        this.events.onSelect(hit >= 0 ? [hit] : [])
      }
    }
    const wheel = (e: WheelEvent): void => {
      e.preventDefault()
      const [x, y] = local(e)
      const { width, height } = this.size()
      this.camera = zoomAt(this.camera, width, height, x, y, Math.exp(-e.deltaY * 0.0015))
      this.viewChanged(e.timeStamp)
    }
    const leave = (): void => this.events.onHover(null)
    const resize = new ResizeObserver(() => this.request())
    resize.observe(canvas)
    canvas.addEventListener('mousedown', down)
    window.addEventListener('mousemove', move)
    window.addEventListener('mouseup', up)
    canvas.addEventListener('wheel', wheel, { passive: false })
    canvas.addEventListener('mouseleave', leave)
    return () => {
      resize.disconnect()
      canvas.removeEventListener('mousedown', down)
      window.removeEventListener('mousemove', move)
      window.removeEventListener('mouseup', up)
      canvas.removeEventListener('wheel', wheel)
      canvas.removeEventListener('mouseleave', leave)
      cancelAnimationFrame(hoverFrame)
    }
  }

  private pick(x: number, y: number): number {
    if (!this.points) return -1
    const { width, height } = this.size()
    return nearestPoint(this.camera, width, height, this.points.x, this.points.y, x, y, 6)
  }
}

/** 0..n-1 in a seeded random order (Fisher-Yates with mulberry32): the same sample on every draw. */
function shuffled(n: number): Uint32Array {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  let state = 0x9e3779b9
  for (let i = n - 1; i > 0; i--) {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1))
    const swap = order[i]!
    order[i] = order[j]!
    order[j] = swap
  }
  return order
}

function parseColour(hex: string): [number, number, number, number] {
  const v = parseInt(hex.slice(1, 7), 16)
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255, 255]
}

function link(gl: WebGLRenderingContext, vertex: string, fragment: string): WebGLProgram {
  const compile = (type: number, source: string): WebGLShader => {
    const shader = gl.createShader(type)!
    gl.shaderSource(shader, source)
    gl.compileShader(shader)
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader) ?? 'shader')
    return shader
  }
  const program = gl.createProgram()!
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertex))
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragment))
  gl.linkProgram(program)
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program) ?? 'program')
  return program
}
