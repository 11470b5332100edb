/**
 * Chroma's rule for tenant and database names (at least 3 characters, any characters otherwise),
 * checked as the user types; the engine or the server still has the last word and its message is
 * shown if it refuses. `taken`: names that already exist where the new one would go.
 */
export function tenancyNameError(
  kind: 'tenant' | 'database',
  name: string,
  taken: readonly string[] = []
): string | null {
  // Counted as Chroma counts (characters, not UTF-16 units).
  if ([...name].length < 3) return `A ${kind} name has at least 3 characters.`
  if (taken.includes(name)) return `A ${kind} named ${name} already exists.`
  return null
}
