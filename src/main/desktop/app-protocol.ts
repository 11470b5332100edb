// The app:// protocol that serves the built renderer to the desktop window (src/main/index.ts).
// Plain Node: the Electron entry hands each request's URL to serveAppFile and returns its Response.
import { readFile } from 'node:fs/promises'
import { extname, isAbsolute, join, relative, sep } from 'node:path'
import { UI_CONTENT_SECURITY_POLICY } from '../../shared/ui-policy.js'

export const APP_SCHEME = 'app'
export const APP_HOST = 'chromadesk'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/** The UI's policy, the same as browser mode's (only the app's own scripts, styles, connections). */
export const CSP = UI_CONTENT_SECURITY_POLICY

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

/**
 * The file inside `rendererDir` that an app:// URL names, or null when the URL is not one of ours
 * (another scheme or host, a port), its percent-encoding is malformed, or a path segment is empty,
 * `.` or `..`, or decodes to something holding a slash, a backslash or a NUL. `/` is index.html.
 * Query and fragment are ignored.
 */
export function resolveAppFile(requestUrl: string, rendererDir: string): string | null {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return null
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return null
  const pathname = url.pathname === '' || url.pathname === '/' ? '/index.html' : url.pathname
  const segments: string[] = []
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return null
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null
    segments.push(segment)
  }
  const file = join(rendererDir, ...segments)
  const inside = relative(rendererDir, file)
  // Unreachable after the checks above; kept so that no later change can serve a file outside the folder.
  if (inside === '' || inside.split(sep)[0] === '..' || isAbsolute(inside)) return null
  return file
}

export function contentTypeFor(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } })
}

/** The protocol handler's answer: the file with its type and the CSP, or 404 (never a throw). */
export async function serveAppFile(requestUrl: string, rendererDir: string): Promise<Response> {
  const file = resolveAppFile(requestUrl, rendererDir)
  if (file === null) return notFound()
  try {
    const body = await readFile(file)
    return new Response(body, { headers: { 'Content-Type': contentTypeFor(file), 'Content-Security-Policy': CSP } })
  } catch {
    return notFound()
  }
}
