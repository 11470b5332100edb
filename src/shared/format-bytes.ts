const KiB = 1024
const MiB = KiB * 1024
const GiB = MiB * 1024

/** "512 B", "1.5 KiB", "20.0 MiB", "1.2 GiB": sizes as every message and screen shows them. */
export function formatBytes(bytes: number): string {
  if (bytes < KiB) return `${bytes} B`
  if (bytes < MiB) return `${(bytes / KiB).toFixed(1)} KiB`
  if (bytes < GiB) return `${(bytes / MiB).toFixed(1)} MiB`
  return `${(bytes / GiB).toFixed(1)} GiB`
}
