export const NATIVE_DIR: string
/** The installed Electron's version. */
export function electronVersion(): string
/** Is there a build of the native modules for this Electron version? */
export function electronNativeReady(version?: string): boolean
/** Copies the native packages and compiles them against Electron's headers. */
export function buildElectronNative(version?: string): Promise<void>
