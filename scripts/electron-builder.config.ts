// `npm run package`: the desktop app packaged by electron-builder for this machine's platform and
// architecture, into release/ (docs/decisions/0022). Packaging needs the network: electron-builder
// downloads Electron's zip for the target, node-gyp Electron's headers, and the installer tools.
import { Arch, type AfterPackContext, type Configuration } from 'electron-builder'
import {
  buildElectronNative,
  electronNativeReady,
  electronVersion,
  PACKAGE_DIR,
  PACKAGE_NATIVE_DIR
} from './electron-native.mjs'

/** The app's icon, drawn by scripts/make-icon.mjs. */
const APP_ICON = 'src/renderer/public/icon.png'

type ElectronFuses = Required<Omit<NonNullable<Configuration['electronFuses']>, 'resetAdHocDarwinSignature'>>

/**
 * Electron's fuses, flipped in the packaged binary (https://www.electronjs.org/docs/latest/tutorial/fuses).
 * Every fuse electron-builder knows is set, so none is left to Electron's default.
 */
export const ELECTRON_FUSES: ElectronFuses = {
  // The binary cannot be used as a plain Node (ELECTRON_RUN_AS_NODE): the app never forks itself.
  runAsNode: false,
  // Cookies on disk are encrypted with the OS keychain's key, like safeStorage's tokens.
  enableCookieEncryption: true,
  // NODE_OPTIONS and --inspect/--inspect-brk cannot inject code or a debugger into the main process.
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  // app.asar is checked against the hash electron-builder embeds (macOS and Windows), and the app
  // is loaded only from it, never from a loose app/ folder placed beside it.
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  // Electron's defaults, stated: one V8 snapshot, and file:// gets no extra privileges (the window is app://).
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false
}

/**
 * Why the Electron-ABI native modules cannot be built for a packaging target here, or null. They are
 * compiled on this machine (no cross-compilation), so the target must be this platform and CPU.
 */
export function nativeTargetProblem(
  target: { platform: string; arch: string },
  host: { platform: string; arch: string } = { platform: process.platform, arch: process.arch }
): string | null {
  if (target.platform === host.platform && target.arch === host.arch) return null
  return (
    `cannot package for ${target.platform}-${target.arch} on ${host.platform}-${host.arch}: ` +
    'better-sqlite3 and hnswlib-node are compiled for Electron on the machine that packages'
  )
}

/**
 * beforePack: the native modules built for Electron's ABI as `npm start` builds them
 * (scripts/electron-native.mjs), but portable (no CPU tuning, decision 0021) and in their own folder,
 * which the app carries as .electron-native (found there by src/main/desktop/native-env.ts).
 */
async function buildPackagedNative(context: AfterPackContext): Promise<void> {
  // electron-builder's armv7l is Node's arm.
  const arch = context.arch === Arch.armv7l ? 'arm' : Arch[context.arch]
  const problem = nativeTargetProblem({ platform: context.electronPlatformName, arch })
  if (problem !== null) throw new Error(problem)
  const version = electronVersion()
  if (electronNativeReady(version, PACKAGE_NATIVE_DIR)) return
  console.log(`Building better-sqlite3 and hnswlib-node for Electron ${version} (portable)...`)
  await buildElectronNative(version, { dir: PACKAGE_NATIVE_DIR, portable: true })
}

/** What of PACKAGE_DIR the app carries: the two packages' JavaScript and their Electron addons. */
export const NATIVE_FILES = [
  '.electron-native/**/*',
  '!.electron-native/node_modules/*/{deps,src}/**',
  '!.electron-native/node_modules/*/build/Release/{obj,obj.target,.deps}/**',
  '!.electron-native/node_modules/*/build/Release/*.a',
  '!.electron-native/node_modules/better-sqlite3/build/Release/test_extension.node'
]

const config: Configuration = {
  appId: 'app.chromadesk.desktop',
  productName: 'Chromadesk',
  directories: { output: 'release' },
  files: [
    'package.json',
    'out/**/*',
    '!out/.build-stamp',
    // The Node-ABI builds cannot load in Electron; the app loads its own from .electron-native.
    '!node_modules/better-sqlite3/**',
    '!node_modules/hnswlib-node/**',
    // The Electron build, at the app's root as .electron-native. (electron-builder skips a node_modules
    // folder at the root of a copied folder, so the copy starts one level up.) Sources, static
    // libraries and object files stay behind.
    { from: PACKAGE_DIR, to: '.', filter: NATIVE_FILES }
  ],
  asar: true,
  // Addons load from app.asar.unpacked (Electron redirects the require). electron-builder finds those
  // under node_modules by itself but not ours; its patterns match source paths, hence every .node.
  asarUnpack: ['**/*.node'],
  // electron-builder would rebuild node_modules in place for Electron, breaking the Node builds that
  // tests and the headless server use (decision 0011); beforePack builds them apart instead.
  npmRebuild: false,
  beforePack: buildPackagedNative,
  electronFuses: { ...ELECTRON_FUSES, resetAdHocDarwinSignature: process.platform === 'darwin' },
  // One 512 px PNG (scripts/make-icon.mjs); electron-builder makes the .icns and .ico from it.
  linux: { target: ['AppImage', 'tar.gz'], category: 'Development', icon: APP_ICON },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', icon: APP_ICON },
  win: { target: ['nsis'], icon: APP_ICON }
}

export default config
