// The floor of a query through the official client against Node: a bare node:http server that
// parses the request body and answers Chroma's query route with a fixed result of the same shape
// (10 ids and distances), doing no search. Used by rest.bench.ts to show how much of a query's time
// any Node server spends before doing any work. Not a Chroma server: it answers just what the
// benchmark calls (heartbeat, create collection, query).
import { createServer } from 'node:http'

const port = Number(process.argv[2])
const ids = Array.from({ length: 10 }, (_, i) => `id-${i}`)
const distances = Array.from({ length: 10 }, (_, i) => 10 + i / 8)

function send(res, status, value) {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null
    const url = req.url ?? ''
    if (url === '/api/v2/heartbeat') return send(res, 200, { 'nanosecond heartbeat': Date.now() * 1e6 })
    if (req.method === 'POST' && url.endsWith('/collections')) {
      return send(res, 200, {
        id: '00000000-0000-4000-8000-000000000000',
        name: body.name,
        configuration_json: { hnsw: null, spann: null, embedding_function: null },
        metadata: null,
        dimension: null,
        tenant: 'default_tenant',
        database: 'default_database',
        log_position: 0,
        version: 0
      })
    }
    if (req.method === 'POST' && url.endsWith('/query')) {
      const n = body.query_embeddings.length
      return send(res, 200, {
        ids: Array.from({ length: n }, () => ids),
        distances: Array.from({ length: n }, () => distances),
        embeddings: null,
        documents: null,
        metadatas: null,
        uris: null,
        include: body.include
      })
    }
    send(res, 404, { error: 'NotFoundError', message: `${req.method} ${url}` })
  })
}).listen(port, '127.0.0.1', () => console.log('listening'))
