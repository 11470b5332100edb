/** Extra C++ flags for native modules built for this machine, or '' when a portable build is wanted. */
export function nativeTuneFlags(env?: NodeJS.ProcessEnv): string
/** How the Node build of hnswlib-node was made: its flags, or null if not by scripts/tune-native.mjs. */
export function hnswlibBuildFlags(): string | null
