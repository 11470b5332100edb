// Client snippets for reaching the server from outside the app, shown in settings. Pure, unit-tested.

export interface Endpoint {
  url: string
  host: string
  port: number
  ssl: boolean
}

export function endpointOf(url: string): Endpoint {
  const u = new URL(url)
  const ssl = u.protocol === 'https:'
  const port = u.port === '' ? (ssl ? 443 : 80) : Number(u.port)
  return { url: u.origin, host: u.hostname, port, ssl }
}

export const MASK = '••••••••'

export function maskToken(token: string): string {
  return token === '' ? '' : MASK
}

export interface Snippet {
  id: 'curl' | 'python' | 'javascript'
  label: string
  language: string
  code: string
}

/** Snippets with the real token (for copying) or a masked one (for display). Without a token, no header. */
export function snippets(endpoint: Endpoint, token: string | null): Snippet[] {
  const { url, host, port, ssl } = endpoint
  const auth = token ? `Bearer ${token}` : null
  const curl = auth ? `curl -H "Authorization: ${auth}" ${url}/api/v2/heartbeat` : `curl ${url}/api/v2/heartbeat`
  const pyArgs = [`host="${host}"`, `port=${port}`, ...(ssl ? ['ssl=True'] : [])]
  if (auth) pyArgs.push(`headers={"Authorization": "${auth}"}`)
  const jsArgs = [`host: '${host}'`, `port: ${port}`, ...(ssl ? ['ssl: true'] : [])]
  if (auth) jsArgs.push(`headers: { Authorization: '${auth}' }`)
  return [
    { id: 'curl', label: 'curl', language: 'shell', code: curl },
    {
      id: 'python',
      label: 'Python',
      language: 'python',
      code: `import chromadb\n\nclient = chromadb.HttpClient(${pyArgs.join(', ')})\nprint(client.heartbeat())`
    },
    {
      id: 'javascript',
      label: 'JavaScript',
      language: 'javascript',
      code:
        `// npm install chromadb\nimport { ChromaClient } from 'chromadb'\n\n` +
        `const client = new ChromaClient({ ${jsArgs.join(', ')} })\nconsole.log(await client.heartbeat())`
    }
  ]
}
