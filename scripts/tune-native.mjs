// Rebuilds hnswlib-node for this machine's CPU (-march=native), run by npm as `postinstall`
// (docs/decisions/0021). hnswlib picks its SSE/AVX/AVX-512 distance kernels at compile time, and a
// default build gets SSE only: the tuned build inserts about 25% faster and searches about 30% faster
// here (docs/decisions/0021). node_modules is built on the machine that runs it, so
// the tuned binary never travels; set CHROMADESK_PORTABLE_NATIVE=1 when building something that does.
// Never fails the install: if the tuned build fails, the portable one is rebuilt.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const RELEASE = join(root, 'node_modules', 'hnswlib-node', 'build', 'Release')
const MARKER = join(RELEASE, 'chromadesk-build.json')
// node-gyp's make records each object's compile command here; it shows whether the flags reached g++.
const COMPILE_COMMAND = join(RELEASE, '.deps', 'Release', 'obj.target', 'addon', 'src', 'addon.o.d')

/** Did the last compile of the addon use these flags? (npm may skip a package's build scripts.) */
function compiledWith(flags) {
  try {
    const command = readFileSync(COMPILE_COMMAND, 'utf8').split('\n')[0] ?? ''
    return flags.split(' ').every((flag) => command.includes(flag))
  } catch {
    return false
  }
}

/** Extra C++ flags for native modules built for this machine, or '' when a portable build is wanted. */
export function nativeTuneFlags(env = process.env) {
  if (env.CHROMADESK_PORTABLE_NATIVE === '1') return ''
  // gcc and clang on x64 Linux/macOS; MSVC ignores CXXFLAGS, and hnswlib has no ARM kernels.
  if (process.arch !== 'x64' || process.platform === 'win32') return ''
  // No fused multiply-add contraction: hnswlib-node's cosine normalisation must stay bit-identical to
  // the engine's float32 copies (vector-index/distance.ts), as with the default build.
  return '-march=native -ffp-contract=off'
}

/** How the Node build of hnswlib-node was made: its flags, or null if not by this script. */
export function hnswlibBuildFlags() {
  if (!existsSync(MARKER)) return null
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8')).flags ?? null
  } catch {
    return null
  }
}

function rebuild(flags) {
  const env = { ...process.env, CXXFLAGS: [process.env.CXXFLAGS, flags].filter(Boolean).join(' ') }
  const npm = process.env.npm_execpath
  const [command, args] = npm
    ? [process.execPath, [npm, 'rebuild', 'hnswlib-node']]
    : ['npm', ['rebuild', 'hnswlib-node']]
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  return result.status === 0
    ? null
    : (result.stderr || result.stdout || 'unknown error').trim().split('\n').slice(-3).join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = nativeTuneFlags()
  if (!existsSync(join(root, 'node_modules', 'hnswlib-node'))) process.exit(0)
  if (flags === '') {
    console.log('hnswlib-node: portable build kept')
    process.exit(0)
  }
  const failure = rebuild(flags) ?? (compiledWith(flags) ? null : 'npm did not compile it (build scripts skipped?)')
  if (failure === null) {
    writeFileSync(MARKER, JSON.stringify({ flags }) + '\n')
    console.log(`hnswlib-node: rebuilt for this CPU (${flags})`)
  } else {
    console.warn(`hnswlib-node: the build for this CPU failed, keeping a portable one:\n${failure}`)
    const again = rebuild('')
    if (again !== null) console.warn(`hnswlib-node: portable rebuild failed too:\n${again}`)
  }
}
