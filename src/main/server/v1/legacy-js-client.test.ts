// The reference's JavaScript examples through the official npm chromadb@1.4.1 (axios, positional API,
// collection names in paths) against our server's v1 API.
import { ChromaClient } from 'chromadb-v1-4-1'
import { describeReferenceExamples, type ExampleClient } from './testing/reference-examples.js'
import { startLocalServer } from './testing/local-server.js'

describeReferenceExamples('npm chromadb@1.4.1 against our v1 API', async () => {
  const server = await startLocalServer()
  return {
    client: new ChromaClient(server.baseUrl) as unknown as ExampleClient,
    resetAllowed: true,
    deleteSendsWhereDocument: false,
    getCollectionChecksServer: false,
    stop: () => server.stop()
  }
})
