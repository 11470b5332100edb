export const NATIVE_DIR: string
/** What `npm run package` adds to the app from outside node_modules and out/. */
export const PACKAGE_DIR: string
/** Where `npm run package` builds the portable Electron-ABI modules that the packaged app carries. */
export const PACKAGE_NATIVE_DIR: string
/** The installed Electron's version. */
export function electronVersion(): string
/** Is there a build of the native modules for this Electron version in `dir` (default NATIVE_DIR)? */
export function electronNativeReady(version?: string, dir?: string): boolean
/** Copies the native packages into `dir` (default NATIVE_DIR) and compiles them against Electron's headers. */
export function buildElectronNative(version?: string, options?: { dir?: string; portable?: boolean }): Promise<void>
