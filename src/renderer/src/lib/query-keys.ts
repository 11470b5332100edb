/**
 * Every React Query key comes from here, so invalidation after an event hits exactly what it should:
 * `collections.all` covers every list and detail; `records.of(id)` every page, count and query of one
 * collection.
 */
export const queryKeys = {
  status: () => ['system', 'status'] as const,
  collections: {
    all: ['collections'] as const,
    list: () => ['collections', 'list'] as const,
    detail: (id: string) => ['collections', 'detail', id] as const,
    metadataKeys: (id: string) => ['collections', 'keys', id] as const,
    keywordStatus: (id: string, job: unknown) => ['collections', 'keyword', id, job] as const
  },
  records: {
    all: ['records'] as const,
    of: (collectionId: string) => ['records', collectionId] as const,
    page: (collectionId: string, params: unknown) => ['records', collectionId, 'page', params] as const,
    count: (collectionId: string, params: unknown) => ['records', collectionId, 'count', params] as const,
    get: (collectionId: string, ids: string[], embeddings: boolean) =>
      ['records', collectionId, 'get', ids, embeddings] as const,
    query: (collectionId: string, params: unknown) => ['records', collectionId, 'query', params] as const,
    facets: (collectionId: string, params: unknown) => ['records', collectionId, 'facets', params] as const
  },
  ingest: (jobId: string) => ['ingest', jobId] as const,
  ingestPreview: (uploadId: string, params: unknown) => ['ingest-preview', uploadId, params] as const,
  settings: () => ['settings'] as const,
  chromaTokenRequired: () => ['settings', 'chroma-token-required'] as const,
  connections: () => ['connections'] as const,
  // Under `connections`, so a connections-changed event refreshes them too.
  tenants: (connection: string) => ['connections', connection, 'tenants'] as const,
  databases: {
    of: (connection: string) => ['connections', connection, 'databases'] as const,
    list: (connection: string, tenant: string) => ['connections', connection, 'databases', tenant] as const
  },
  copy: (jobId: string) => ['copy', jobId] as const,
  jobs: () => ['jobs'] as const,
  health: (collectionId: string) => ['health', collectionId] as const,
  // The model manager (Settings → Models).
  models: () => ['models'] as const
}
