const NAME_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{1,510})[a-zA-Z0-9]$/
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * Chroma's collection name rule, checked as the user types so most mistakes never reach the
 * engine. The engine still has the last word: its message is shown if it refuses a name.
 */
export function collectionNameError(name: string): string | null {
  if (!NAME_RE.test(name)) {
    return '3-512 characters: letters, digits, . _ -; starts and ends with a letter or digit'
  }
  if (name.includes('..')) return 'No two periods in a row (..)'
  if (IPV4_RE.test(name)) return 'Not an IP address'
  return null
}
