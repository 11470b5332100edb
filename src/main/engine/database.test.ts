import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChromaDatabase, MAX_BATCH_SIZE } from './database.js'
import {
  ForbiddenError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  UnexpectedError,
  UniqueConstraintError,
  UnprocessableEntityError
} from './errors.js'

const scope = { tenant: 'default_tenant', database: 'default_database' }
let db: ChromaDatabase

beforeEach(() => {
  db = new ChromaDatabase()
})
afterEach(() => {
  db.close()
})

function make(name = 'test', extra: Record<string, unknown> = {}): string {
  return db.createCollection(scope, { name, ...extra }).id
}

function expectError(fn: () => unknown, cls: new (...a: never[]) => Error, message: string | RegExp): void {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(cls)
  if (typeof message === 'string') expect((caught as Error).message).toBe(message)
  else expect((caught as Error).message).toMatch(message)
}

describe('tenants and databases', () => {
  it('default tenant and database exist', () => {
    expect(db.getTenant('default_tenant')).toEqual({ name: 'default_tenant', resource_name: null })
    expect(db.getDatabase('default_tenant', 'default_database').name).toBe('default_database')
  })
  it('create, get, list (by name), delete, with Chroma messages', () => {
    db.createTenant('acme')
    expectError(() => db.createTenant('acme'), UniqueConstraintError, 'Tenant [acme] already exists')
    expectError(() => db.getTenant('nope'), NotFoundError, 'Tenant [nope] not found')
    db.updateTenant('acme', 'crn:acme')
    expect(db.getTenant('acme')).toEqual({ name: 'acme', resource_name: 'crn:acme' })
    expectError(() => db.updateTenant('nope', 'x'), NotFoundError, 'Tenant [nope] not found')
    expectError(
      () => db.createTenant('ab'),
      InvalidArgumentError,
      'Validation error: name: Validation error: length [{"min": Number(3), "value": String("ab")}]'
    )
    db.createDatabase('acme', 'zeta')
    db.createDatabase('acme', 'alpha')
    expectError(() => db.createDatabase('acme', 'alpha'), UniqueConstraintError, 'Database [alpha] already exists')
    expectError(
      () => db.createDatabase('acme', 'xy'),
      InvalidArgumentError,
      'Validation error: database_name: Validation error: length [{"min": Number(3), "value": String("xy")}]'
    )
    expect(db.listDatabases('acme').map((d) => d.name)).toEqual(['alpha', 'zeta'])
    expect(db.listDatabases('acme', 1, 1).map((d) => d.name)).toEqual(['zeta'])
    const other = { tenant: 'acme', database: 'alpha' }
    const col = db.createCollection(other, { name: 'inside' })
    db.add(col.id, { ids: ['a'], embeddings: [[1]] })
    db.deleteDatabase('acme', 'alpha')
    expectError(
      () => db.getDatabase('acme', 'alpha'),
      NotFoundError,
      'Database [alpha] not found. Are you sure it exists?'
    )
    expectError(() => db.getCollectionById(col.id), NotFoundError, `Collection [${col.id}] does not exist`)
    expectError(() => db.deleteDatabase('acme', 'alpha'), NotFoundError, 'Database [alpha] not found')
  })
  it('lists every tenant (the app switcher; Chroma has no such route)', () => {
    db.createTenant('zeta-co')
    db.createTenant('acme')
    expect(db.listTenants()).toEqual(['acme', 'default_tenant', 'zeta-co'])
  })
  it('default_database may be deleted and stays deleted after a reopen, as in Chroma 1.0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-db-'))
    try {
      const first = new ChromaDatabase({ path: dir })
      first.deleteDatabase('default_tenant', 'default_database')
      await first.closeAsync()
      const reopened = new ChromaDatabase({ path: dir })
      expect(reopened.listDatabases('default_tenant')).toEqual([])
      expect(reopened.listTenants()).toEqual(['default_tenant'])
      await reopened.closeAsync()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('creating a collection in a missing database is a 400', () => {
    expectError(
      () => db.createCollection({ tenant: 'default_tenant', database: 'nowhere' }, { name: 'abc' }),
      InvalidArgumentError,
      'Database [nowhere] does not exist'
    )
  })
})

describe('collections', () => {
  it('returns the v2 collection shape with default configuration', () => {
    const c = db.createCollection(scope, { name: 'test' })
    expect(c).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'test',
      configuration_json: {
        hnsw: {
          space: 'l2',
          ef_construction: 100,
          ef_search: 100,
          max_neighbors: 16,
          resize_factor: 1.2,
          sync_threshold: 1000
        },
        spann: null,
        embedding_function: null
      },
      schema: null,
      metadata: null,
      dimension: null,
      tenant: 'default_tenant',
      database: 'default_database',
      log_position: 0,
      version: 0
    })
  })
  it("validates names with Chroma's message", () => {
    expectError(
      () => db.createCollection(scope, { name: 'ab' }),
      InvalidArgumentError,
      'Validation error: name: Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a character in [a-zA-Z0-9]. Got: ab'
    )
    expectError(
      () => db.createCollection(scope, { name: 'a..b' }),
      InvalidArgumentError,
      'Validation error: name: Expected a name that does not contains two consecutive periods (..). Got a..b'
    )
    expectError(
      () => db.createCollection(scope, { name: '10.0.0.1' }),
      InvalidArgumentError,
      'Validation error: name: Expected a name that is not a valid ip address. Got 10.0.0.1'
    )
    const id = make('valid')
    expectError(
      () => db.updateCollection(id, { new_name: 'x' }),
      InvalidArgumentError,
      /^Validation error: new_name: Expected a name containing/
    )
    for (const bad of ['ab', '-abc', 'abc-', 'a..b', '192.168.1.1', 'has space', 'x'.repeat(513), '', 'café']) {
      expectError(
        () => db.createCollection(scope, { name: bad }),
        InvalidArgumentError,
        /^Validation error: name: Expected a name /
      )
    }
    for (const good of ['abc', 'a.b-c_d', 'A1'.repeat(256)])
      expect(db.createCollection(scope, { name: good }).name).toBe(good)
  })
  it('rejects empty metadata and bad metadata keys', () => {
    expectError(
      () => db.createCollection(scope, { name: 'abc', metadata: {} }),
      InvalidArgumentError,
      'Validation error: metadata: Metadata cannot be empty'
    )
    expectError(
      () => db.createCollection(scope, { name: 'abc', metadata: { $x: 1 } }),
      InvalidArgumentError,
      "Metadata key cannot start with '#' or '$': $x"
    )
  })
  it('duplicate name is a 409 and get_or_create returns the existing collection unchanged', () => {
    const first = db.createCollection(scope, { name: 'dup', metadata: { a: 1 } })
    expectError(
      () => db.createCollection(scope, { name: 'dup' }),
      UniqueConstraintError,
      'Collection [dup] already exists'
    )
    const again = db.createCollection(scope, { name: 'dup', metadata: { a: 2 }, get_or_create: true })
    expect(again).toEqual(first)
    expect(new UniqueConstraintError('x').httpStatus).toBe(409)
    expect(new UniqueConstraintError('x').chromaName).toBe('ChromaError')
  })
  it('get, list (by id), count, delete', () => {
    const ids = ['one', 'two', 'three'].map((n) => make(n))
    expect(db.getCollection(scope, 'two').id).toBe(ids[1])
    expectError(() => db.getCollection(scope, 'four'), NotFoundError, 'Collection [four] does not exist')
    expect(db.listCollections(scope).map((c) => c.id)).toEqual([...ids].sort())
    expect(db.listCollections(scope, 1, 1).map((c) => c.id)).toEqual([[...ids].sort()[1]])
    expect(db.countCollections(scope)).toBe(3)
    db.deleteCollection(scope, 'two')
    expectError(() => db.deleteCollection(scope, 'two'), NotFoundError, 'Collection [two] does not exist')
    expect(db.countCollections(scope)).toBe(2)
  })
  it('modify renames, replaces metadata and merges configuration', () => {
    const id = make('orig', { metadata: { a: 1, b: 2 } })
    make('taken')
    expectError(
      () => db.updateCollection(id, { new_name: 'taken' }),
      UniqueConstraintError,
      'Collection [taken] already exists'
    )
    const m = db.updateCollection(id, {
      new_name: 'renamed',
      new_metadata: { c: 3 },
      new_configuration: { hnsw: { ef_search: 42 } }
    })
    expect(m.name).toBe('renamed')
    expect(m.metadata).toEqual({ c: 3 })
    expect(m.configuration_json.hnsw.ef_search).toBe(42)
    expect(db.getCollection(scope, 'renamed').configuration_json.hnsw.ef_search).toBe(42)
    expectError(
      () => db.updateCollection(id, { new_configuration: { hnsw: { space: 'ip' } as never } }),
      UnprocessableEntityError,
      /unknown field `space`/
    )
  })
})

describe('configuration', () => {
  it('legacy hnsw:* metadata is honoured and kept in metadata', () => {
    const c = db.createCollection(scope, {
      name: 'legacy',
      metadata: { 'hnsw:space': 'cosine', 'hnsw:M': 32, 'hnsw:construction_ef': 50, 'hnsw:search_ef': 20 }
    })
    expect(c.configuration_json.hnsw).toMatchObject({
      space: 'cosine',
      max_neighbors: 32,
      ef_construction: 50,
      ef_search: 20
    })
    expect(c.metadata).toEqual({
      'hnsw:space': 'cosine',
      'hnsw:M': 32,
      'hnsw:construction_ef': 50,
      'hnsw:search_ef': 20
    })
  })
  it('configuration.hnsw takes precedence over metadata', () => {
    const c = db.createCollection(scope, {
      name: 'prio',
      metadata: { 'hnsw:space': 'ip' },
      configuration: { hnsw: { space: 'cosine', ef_search: 7 } }
    })
    expect(c.configuration_json.hnsw).toMatchObject({ space: 'cosine', ef_search: 7, max_neighbors: 16 })
  })
  it('echoes the embedding function, maps spann to hnsw space', () => {
    const ef = { type: 'known', name: 'default', config: {} }
    expect(
      db.createCollection(scope, { name: 'ef1', configuration: { embedding_function: ef } }).configuration_json
        .embedding_function
    ).toEqual(ef)
    expect(
      db.createCollection(scope, { name: 'sp1', configuration: { spann: { space: 'ip' } } }).configuration_json.hnsw
        .space
    ).toBe('ip')
  })
  it('rejects invalid configurations', () => {
    expectError(
      () => db.createCollection(scope, { name: 'bad', configuration: { hnsw: { space: 'dot' as never } } }),
      UnprocessableEntityError,
      /invalid space/
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', configuration: { hnsw: { max_neighbors: -1 } } }),
      UnprocessableEntityError,
      /max_neighbors/
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', configuration: { hnsw: { foo: 1 } as never } }),
      UnprocessableEntityError,
      /unknown field `foo`/
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', configuration: { hnsw: {}, spann: {} } }),
      InvalidArgumentError,
      'Cannot specify both HNSW and SPANN configurations'
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', metadata: { 'hnsw:bogus': 1 } }),
      InvalidArgumentError,
      'Invalid HNSW parameters: Invalid metadata: unknown field `hnsw:bogus`, expected one of `hnsw:space`, `hnsw:construction_ef`, `hnsw:search_ef`, `hnsw:M`, `hnsw:num_threads`, `hnsw:resize_factor`, `hnsw:sync_threshold`, `hnsw:batch_size` at line 1 column 13'
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', metadata: { 'hnsw:space': 'foo' } }),
      InvalidArgumentError,
      'Invalid HNSW parameters: Invalid metadata: unknown variant `foo`, expected one of `l2`, `cosine`, `ip` at line 1 column 19'
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', metadata: { 'hnsw:M': 'x' } }),
      InvalidArgumentError,
      /invalid type: string "x", expected usize/
    )
    expectError(
      () => db.createCollection(scope, { name: 'bad', metadata: { 'hnsw:M': -1 } }),
      InvalidArgumentError,
      /invalid value: integer `-1`, expected usize/
    )
  })
})

describe('embedding function configuration', () => {
  const ef = (config: Record<string, unknown>, name = 'transformers') => ({ type: 'known', name, config })
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ model: '../../models/x' }, /model folder "\.\.\/\.\.\/models\/x" must be an absolute path/],
    [{ model: '/models/../etc/x' }, /model folder "\/models\/\.\.\/etc\/x" must be an absolute path/],
    [{ model: 'org/../../x' }, /model "org\/\.\.\/\.\.\/x" is neither a Hugging Face hub id/],
    [{ model: 'a/b/c' }, /model "a\/b\/c" is neither a Hugging Face hub id/],
    [{ model: 'Xenova/all-MiniLM-L6-v2', revision: '../../x' }, /revision "\.\.\/\.\.\/x" is not a branch/],
    [{ revision: 'refs/pr/1' }, /revision "refs\/pr\/1" is not a branch/]
  ]

  it('refuses a model or revision that is not a hub id, an absolute folder or a branch name on create', () => {
    for (const [config, message] of bad) {
      for (const name of ['default', 'transformers']) {
        expectError(
          () => db.createCollection(scope, { name: 'bad', configuration: { embedding_function: ef(config, name) } }),
          InvalidArgumentError,
          message
        )
      }
    }
    expect(db.countCollections(scope)).toBe(0)
  })

  it('refuses them on modify, keeping the stored configuration', () => {
    const stored = ef({ model: 'BAAI/bge-small-en-v1.5', revision: 'v1.0' })
    const id = make('efm', { configuration: { embedding_function: stored } })
    for (const [config, message] of bad) {
      expectError(
        () => db.updateCollection(id, { new_configuration: { embedding_function: ef(config) } as never }),
        InvalidArgumentError,
        message
      )
    }
    expect(db.getCollectionById(id).configuration_json.embedding_function).toEqual(stored)
  })

  it("stores valid ones as given, and leaves other functions' configurations alone", () => {
    for (const given of [
      ef({ model: '/models/tiny-bert', revision: '0123456789abcdef0123456789abcdef01234567' }),
      ef({}, 'default'),
      ef({ model_name: '../anything', api_key_env_var: 'X' }, 'openai')
    ]) {
      const name = `ok-${db.countCollections(scope)}`
      expect(
        db.createCollection(scope, { name, configuration: { embedding_function: given } }).configuration_json
          .embedding_function
      ).toEqual(given)
    }
  })

  it('keeps the record of models the user chose with the data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-db-'))
    try {
      const first = new ChromaDatabase({ path: dir, indexWorker: false })
      expect(first.isTrustedModel('BAAI/bge-small-en-v1.5')).toBe(false)
      first.trustModel('BAAI/bge-small-en-v1.5')
      first.trustModel('BAAI/bge-small-en-v1.5')
      first.trustModel('/models/tiny-bert')
      first.close()
      const again = new ChromaDatabase({ path: dir, indexWorker: false })
      expect(again.isTrustedModel('BAAI/bge-small-en-v1.5')).toBe(true)
      expect(again.isTrustedModel('/models/tiny-bert')).toBe(true)
      expect(again.isTrustedModel('/models/tiny-bert/')).toBe(false)
      expect(again.isTrustedModel('baai/bge-small-en-v1.5')).toBe(false)
      again.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('add and validation', () => {
  it('sets dimension on first write and checks it afterwards', () => {
    const id = make()
    expect(db.getCollectionById(id).dimension).toBeNull()
    db.add(id, { ids: ['a'], embeddings: [[1, 2, 3]] })
    expect(db.getCollectionById(id).dimension).toBe(3)
    expectError(
      () => db.add(id, { ids: ['b'], embeddings: [[1, 2]] }),
      InvalidArgumentError,
      'Collection expecting embedding with dimension of 3, got 2'
    )
    expectError(
      () => db.upsert(id, { ids: ['a'], embeddings: [[1, 2]] }),
      InvalidArgumentError,
      'Collection expecting embedding with dimension of 3, got 2'
    )
    expectError(
      () => db.update(id, { ids: ['a'], embeddings: [[1, 2]] }),
      InvalidArgumentError,
      'Collection expecting embedding with dimension of 3, got 2'
    )
    expectError(
      () => db.query(id, { query_embeddings: [[1]] }),
      InvalidArgumentError,
      'Collection expecting embedding with dimension of 3, got 1'
    )
  })
  it('validation messages', () => {
    const id = make()
    expectError(
      () => db.add(id, { ids: ['a', 'b'], embeddings: [[1]] }),
      InvalidArgumentError,
      'Inconsistent number of IDs, embeddings, documents, URIs and metadatas'
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], documents: ['x', 'y'] }),
      InvalidArgumentError,
      'Inconsistent number of IDs, embeddings, documents, URIs and metadatas'
    )
    expectError(
      () => db.add(id, { ids: [''], embeddings: [[1]] }),
      InvalidArgumentError,
      'Empty ID, ID must have at least one character'
    )
    expectError(
      () => db.add(id, { ids: ['a', 'b'], embeddings: [[1], [1, 2]] }),
      InvalidArgumentError,
      'Inconsistent dimensions in provided embeddings'
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[]] }),
      InvalidArgumentError,
      /Each embedding must have at least 1 dimension/
    )
    db.add(id, { ids: ['z'], embeddings: [[1]] })
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[]] }),
      InvalidArgumentError,
      'Collection expecting embedding with dimension of 1, got 0'
    )
    db.delete(id, { ids: ['z'] })
    expectError(() => db.add(id, { ids: ['a'], embeddings: [[NaN]] }), InvalidArgumentError, /finite/)
    expectError(() => db.add(id, { ids: ['a'], embeddings: [[Infinity]] }), InvalidArgumentError, /finite/)
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], metadatas: [{ '#x': 1 }] }),
      InvalidArgumentError,
      "Metadata key cannot start with '#' or '$': #x"
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], metadatas: [{ x: { y: 1 } as never }] }),
      UnprocessableEntityError,
      'Failed to deserialize the JSON body into the target type: metadatas[0].x: data did not match any variant of untagged enum MetadataValue'
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], metadatas: [{ x: null as never }] }),
      UnprocessableEntityError,
      /metadatas\[0\]\.x: data did not match any variant of untagged enum MetadataValue/
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], metadatas: [{ x: [] as never }] }),
      UnprocessableEntityError,
      /metadatas\[0\]\.x: data did not match/
    )
    expectError(
      () => db.add(id, { ids: ['a'], embeddings: [[1]], metadatas: [{ x: [1, 'a'] as never }] }),
      UnprocessableEntityError,
      /metadatas\[0\]\.x: data did not match/
    )
    expectError(
      () => db.add('00000000-0000-4000-8000-000000000000', { ids: ['a'], embeddings: [[1]] }),
      NotFoundError,
      'Collection [00000000-0000-4000-8000-000000000000] does not exist'
    )
    expect(db.count(id)).toBe(0)
  })
  it('existing ids are ignored and the first occurrence in a batch wins', () => {
    const id = make()
    db.add(id, { ids: ['a'], embeddings: [[1]], documents: ['first'] })
    db.add(id, { ids: ['a', 'b', 'b'], embeddings: [[2], [3], [4]], documents: ['second', 'b1', 'b2'] })
    const r = db.get(id, { include: ['documents', 'embeddings'] })
    expect(r.ids).toEqual(['a', 'b'])
    expect(r.documents).toEqual(['first', 'b1'])
    expect(r.embeddings).toEqual([[1], [3]])
  })
  it('batch size is bounded by max_batch_size', () => {
    expect(db.preflightChecks()).toEqual({ max_batch_size: MAX_BATCH_SIZE, supports_base64_encoding: true })
    const id = make()
    const n = MAX_BATCH_SIZE + 1
    expectError(
      () => db.add(id, { ids: Array.from({ length: n }, (_, i) => `${i}`), embeddings: [] }),
      InvalidArgumentError,
      `Batch size ${n} exceeds maximum batch size ${MAX_BATCH_SIZE}`
    )
  })
})

describe('transactions', () => {
  it('a failure in the middle of a batch leaves nothing written', () => {
    const id = make()
    db.add(id, { ids: ['keep'], embeddings: [[0, 0]] })
    // Fail the 50th insert from inside the transaction (after 49 rows and their metadata were written).
    const store = (db as unknown as { store: { insert: (...a: unknown[]) => number } }).store
    const original = store.insert.bind(store)
    let calls = 0
    store.insert = (...a: unknown[]) => {
      if (++calls === 50) throw new Error('disk on fire')
      return original(...a)
    }
    const ids = Array.from({ length: 100 }, (_, i) => `r${i}`)
    let caught: unknown
    try {
      db.add(id, {
        ids,
        embeddings: ids.map((_, i) => [i, 1]),
        metadatas: ids.map((_, i) => ({ i })),
        documents: ids.map((i) => `doc ${i}`)
      })
    } catch (e) {
      caught = e
    }
    // An unexpected failure: an InternalError whose detail stays in its cause, out of its message.
    expect(caught).toBeInstanceOf(UnexpectedError)
    expect(caught).toBeInstanceOf(InternalError)
    expect(((caught as Error).cause as Error).message).toBe('disk on fire')
    expect((caught as Error).message).not.toContain('disk on fire')
    store.insert = original
    expect(db.count(id)).toBe(1)
    expect(db.get(id).ids).toEqual(['keep'])
    expect(db.get(id, { where: { i: { $gte: 0 } } }).ids).toEqual([])
    expect(db.get(id, { where_document: { $contains: 'doc' } }).ids).toEqual([])
    expect(db.query(id, { query_embeddings: [[5, 1]], n_results: 10 }).ids).toEqual([['keep']])
    db.add(id, { ids, embeddings: ids.map((_, i) => [i, 1]) })
    expect(db.count(id)).toBe(101)
  })
  it('a bad record in the middle of a batch is rejected before anything is written', () => {
    const id = make()
    const ids = ['a', 'b', 'c']
    expectError(
      () => db.add(id, { ids, embeddings: [[1], [2], [3]], metadatas: [{ ok: 1 }, { $bad: 1 }, { ok: 2 }] }),
      InvalidArgumentError,
      /Metadata key/
    )
    expectError(
      () => db.upsert(id, { ids, embeddings: [[1], [2, 2], [3]] }),
      InvalidArgumentError,
      'Inconsistent dimensions in provided embeddings'
    )
    expect(db.count(id)).toBe(0)
  })
})

describe('update and upsert', () => {
  it('update merges metadata (null deletes), replaces given fields, ignores missing ids', () => {
    const id = make()
    db.add(id, {
      ids: ['a', 'b'],
      embeddings: [[1], [2]],
      metadatas: [{ x: 1, y: 'keep', z: true }, null],
      documents: ['da', 'db'],
      uris: ['ua', null]
    })
    db.update(id, {
      ids: ['a', 'missing', 'b'],
      metadatas: [{ x: 2, z: null, w: [1, 2] }, { q: 1 }, null],
      documents: ['new a', 'zzz', null]
    })
    const r = db.get(id, { include: ['documents', 'metadatas', 'uris', 'embeddings'] })
    expect(r.ids).toEqual(['a', 'b'])
    expect(r.metadatas).toEqual([{ x: 2, y: 'keep', w: [1, 2] }, null])
    expect(r.documents).toEqual(['new a', 'db'])
    expect(r.uris).toEqual(['ua', null])
    expect(r.embeddings).toEqual([[1], [2]])
    db.update(id, { ids: ['b'], embeddings: [[9]] })
    expect(db.get(id, { ids: ['b'], include: ['embeddings'] }).embeddings).toEqual([[9]])
    expect(db.query(id, { query_embeddings: [[9]], n_results: 1 }).ids).toEqual([['b']])
    expect(db.count(id)).toBe(2)
  })
  it('upsert inserts missing ids and updates existing ones in place (insertion order kept)', () => {
    const id = make()
    db.add(id, {
      ids: ['a', 'b'],
      embeddings: [[1], [2]],
      metadatas: [{ x: 1, y: 1 }, { x: 2 }],
      documents: ['da', 'db']
    })
    db.upsert(id, {
      ids: ['c', 'a'],
      embeddings: [[3], [10]],
      metadatas: [
        { x: 3, gone: null },
        { y: null, z: 'new' }
      ]
    })
    const r = db.get(id, { include: ['documents', 'metadatas', 'embeddings'] })
    expect(r.ids).toEqual(['a', 'b', 'c'])
    expect(r.metadatas).toEqual([{ x: 1, z: 'new' }, { x: 2 }, { x: 3 }])
    expect(r.documents).toEqual(['da', 'db', null])
    expect(r.embeddings).toEqual([[10], [2], [3]])
    expect(db.query(id, { query_embeddings: [[10]], n_results: 1 }).ids).toEqual([['a']])
  })
})

describe('delete', () => {
  function filled(): string {
    const id = make()
    db.add(id, {
      ids: ['a', 'b', 'c', 'd'],
      embeddings: [[1], [2], [3], [4]],
      metadatas: [{ g: 1 }, { g: 2 }, { g: 1 }, { g: 1 }]
    })
    return id
  }
  it('by ids reports len(ids) without checking existence', () => {
    const id = filled()
    expect(db.delete(id, { ids: ['a', 'zzz', 'a'] })).toEqual({ deleted: 3 })
    expect(db.get(id).ids).toEqual(['b', 'c', 'd'])
  })
  it('by where (intersected with ids), with limit', () => {
    const id = filled()
    expect(db.delete(id, { where: { g: 1 }, limit: 2 })).toEqual({ deleted: 2 })
    expect(db.get(id).ids).toEqual(['b', 'd'])
    expect(db.delete(id, { ids: ['b', 'd'], where: { g: 2 } })).toEqual({ deleted: 1 })
    expect(db.get(id).ids).toEqual(['d'])
    expect(db.delete(id, { where: { g: 1 }, limit: 0 })).toEqual({ deleted: 0 })
    expect(db.query(id, { query_embeddings: [[1]] }).ids).toEqual([['d']])
  })
  it('rules and messages', () => {
    const id = filled()
    expect(db.delete(id, {})).toEqual({ deleted: 0 })
    expectError(
      () => db.delete(id, { ids: ['a'], limit: 1 }),
      InvalidArgumentError,
      'limit can only be specified when a where clause is provided'
    )
    expectError(
      () => db.delete(id, { ids: [] }),
      InvalidArgumentError,
      'Validation error: ids, where: Either ids or where must be specified'
    )
    expect(db.delete(id, { ids: [], where: { g: 1 } })).toEqual({ deleted: 0 })
    expect(db.count(id)).toBe(4)
  })
})

describe('get', () => {
  it('orders by insertion, applies ids ∩ filters, offset and limit; missing ids omitted', () => {
    const id = make()
    db.add(id, { ids: ['z', 'a', 'm'], embeddings: [[1], [2], [3]], metadatas: [{ k: 1 }, { k: 2 }, { k: 3 }] })
    db.add(id, { ids: ['b'], embeddings: [[4]], metadatas: [{ k: 4 }] })
    expect(db.get(id).ids).toEqual(['z', 'a', 'm', 'b'])
    expect(db.get(id, { ids: ['b', 'nope', 'z'] }).ids).toEqual(['z', 'b'])
    expect(db.get(id, { offset: 1, limit: 2 }).ids).toEqual(['a', 'm'])
    expect(db.get(id, { offset: 3 }).ids).toEqual(['b'])
    expect(db.get(id, { limit: 0 }).ids).toEqual([])
    expect(db.get(id, { ids: ['z', 'a', 'b'], where: { k: { $gt: 1 } }, limit: 1 }).ids).toEqual(['a'])
  })
  it('has every key, null when not included, and echoes include', () => {
    const id = make()
    db.add(id, { ids: ['a'], embeddings: [[0.1, 0.2]], documents: ['doc'], uris: ['u'], metadatas: [{ k: 'v' }] })
    expect(db.get(id)).toEqual({
      ids: ['a'],
      embeddings: null,
      documents: ['doc'],
      uris: null,
      metadatas: [{ k: 'v' }],
      include: ['documents', 'metadatas']
    })
    expect(db.get(id, { include: ['embeddings', 'uris'] })).toEqual({
      ids: ['a'],
      embeddings: [[Math.fround(0.1), Math.fround(0.2)]],
      documents: null,
      uris: ['u'],
      metadatas: null,
      include: ['embeddings', 'uris']
    })
    expect(db.get(id, { include: [] })).toMatchObject({ ids: ['a'], documents: null, metadatas: null, include: [] })
    expectError(
      () => db.get(id, { include: ['documents', 'bogus' as never] }),
      UnprocessableEntityError,
      'Failed to deserialize the JSON body into the target type: include[1]: unknown variant `bogus`, expected one of `distances`, `documents`, `embeddings`, `metadatas`, `uris`'
    )
    expectError(
      () => db.get(id, { limit: -1 }),
      UnprocessableEntityError,
      'Failed to deserialize the JSON body into the target type: limit: invalid value: integer `-1`, expected u32'
    )
    expectError(
      () => db.get(id, { ids: [1 as never] }),
      UnprocessableEntityError,
      /ids\[0\]: invalid value: integer `1`, expected a string/
    )
  })
})

describe('query', () => {
  it('returns the top n_results by distance, at most the number of candidates', () => {
    const id = make()
    db.add(id, {
      ids: ['a', 'b', 'c'],
      embeddings: [
        [0, 0],
        [1, 0],
        [3, 0]
      ],
      documents: ['A', 'B', 'C'],
      metadatas: [{ g: 1 }, null, { g: 1 }]
    })
    const r = db.query(id, {
      query_embeddings: [
        [0.9, 0],
        [3, 1]
      ],
      n_results: 2
    })
    expect(r.ids).toEqual([
      ['b', 'a'],
      ['c', 'b']
    ])
    expect(r.distances?.[0]?.[0]).toBeCloseTo(0.01, 5)
    expect(r.distances?.[1]).toEqual([1, 5]) // squared L2
    expect(r.documents).toEqual([
      ['B', 'A'],
      ['C', 'B']
    ])
    expect(r.metadatas).toEqual([
      [null, { g: 1 }],
      [{ g: 1 }, null]
    ])
    expect(r.embeddings).toBeNull()
    expect(r.uris).toBeNull()
    expect(r.include).toEqual(['documents', 'metadatas', 'distances'])
    expect(db.query(id, { query_embeddings: [[0, 0]] }).ids).toEqual([['a', 'b', 'c']]) // default 10
    expect(db.query(id, { query_embeddings: [[0, 0]], include: ['embeddings'] }).embeddings).toEqual([
      [
        [0, 0],
        [1, 0],
        [3, 0]
      ]
    ])
  })
  it('filters candidates with where / where_document / ids', () => {
    const id = make()
    db.add(id, {
      ids: ['a', 'b', 'c'],
      embeddings: [[0], [1], [2]],
      documents: ['apple', 'banana', 'cherry'],
      metadatas: [{ g: 1 }, { g: 2 }, { g: 1 }]
    })
    expect(db.query(id, { query_embeddings: [[1]], where: { g: 1 } }).ids).toEqual([['a', 'c']])
    expect(db.query(id, { query_embeddings: [[1]], where_document: { $contains: 'an' } }).ids).toEqual([['b']])
    expect(db.query(id, { query_embeddings: [[1]], ids: ['c', 'a'], n_results: 1 }).ids).toEqual([['a']])
    expect(db.query(id, { query_embeddings: [[1]], ids: ['c', 'zzz'], where: { g: 1 } }).ids).toEqual([['c']])
    expect(db.query(id, { query_embeddings: [[1]], where: { g: 3 } }).ids).toEqual([[]])
    expectError(
      () => db.query(id, { query_embeddings: [[1]], ids: ['a', 'zzz'] }),
      InternalError,
      'Error executing plan: Internal error: Error finding id'
    )
  })
  it('cosine and ip distances', () => {
    const cos = make('cos', { configuration: { hnsw: { space: 'cosine' } } })
    db.add(cos, {
      ids: ['x', 'y'],
      embeddings: [
        [1, 0],
        [0, 2]
      ]
    })
    const rc = db.query(cos, { query_embeddings: [[3, 0]] })
    expect(rc.ids).toEqual([['x', 'y']])
    expect(rc.distances?.[0]?.[0]).toBeCloseTo(0, 6)
    expect(rc.distances?.[0]?.[1]).toBeCloseTo(1, 6)
    const ip = make('ipc', { metadata: { 'hnsw:space': 'ip' } })
    db.add(ip, {
      ids: ['x', 'y'],
      embeddings: [
        [1, 0],
        [2, 0]
      ]
    })
    const ri = db.query(ip, { query_embeddings: [[1, 0]] })
    expect(ri.ids).toEqual([['y', 'x']])
    expect(ri.distances).toEqual([[-1, 0]])
  })
  it('a never-written collection answers empty lists, n_results is validated', () => {
    const id = make()
    expect(
      db.query(id, {
        query_embeddings: [
          [1, 2],
          [3, 4]
        ]
      })
    ).toMatchObject({ ids: [[], []], distances: [[], []], documents: [[], []] })
    db.add(id, { ids: ['a'], embeddings: [[1]] })
    expect(db.query(id, { query_embeddings: [[1]], n_results: 0 })).toMatchObject({ ids: [[]], distances: [[]] })
    expectError(
      () => db.query(id, { query_embeddings: [[1]], n_results: 1.5 }),
      UnprocessableEntityError,
      'Failed to deserialize the JSON body into the target type: n_results: invalid type: floating point `1.5`, expected u32'
    )
    expectError(
      () => db.query(id, { query_embeddings: [[1]], n_results: -3 }),
      UnprocessableEntityError,
      /n_results: invalid value: integer `-3`, expected u32/
    )
  })
  it('sees writes made after the index was loaded (labels = rids)', () => {
    const id = make()
    db.add(id, { ids: ['a', 'b'], embeddings: [[0], [10]] })
    expect(db.query(id, { query_embeddings: [[9]], n_results: 1 }).ids).toEqual([['b']])
    db.delete(id, { ids: ['b'] })
    db.add(id, { ids: ['c'], embeddings: [[8]] })
    expect(db.query(id, { query_embeddings: [[9]] }).ids).toEqual([['c', 'a']])
    db.update(id, { ids: ['a'], embeddings: [[9]] })
    expect(db.query(id, { query_embeddings: [[9]], n_results: 1 }).ids).toEqual([['a']])
  })
})

describe('reset', () => {
  it('is refused unless allowed', () => {
    make()
    expectError(() => db.reset(), ForbiddenError, 'Reset is disabled by config')
    expect(new ForbiddenError('x').httpStatus).toBe(403)
    expect(db.countCollections(scope)).toBe(1)
  })
  it('drops everything and recreates the defaults when allowed', () => {
    const local = new ChromaDatabase({ allowReset: true })
    local.createTenant('other')
    const id = local.createCollection(scope, { name: 'gone' }).id
    local.add(id, { ids: ['a'], embeddings: [[1]] })
    local.query(id, { query_embeddings: [[1]] })
    expect(local.reset()).toBe(true)
    expect(local.countCollections(scope)).toBe(0)
    expect(() => local.getTenant('other')).toThrow(NotFoundError)
    expect(local.getDatabase('default_tenant', 'default_database').name).toBe('default_database')
    const again = local.createCollection(scope, { name: 'gone' }).id
    local.add(again, { ids: ['b'], embeddings: [[1, 2]] })
    expect(local.query(again, { query_embeddings: [[1, 2]] }).ids).toEqual([['b']])
    local.close()
  })
})

describe('large batches', () => {
  it('adds 100,000 records in one call', () => {
    const id = make()
    const n = 100_000
    const ids: string[] = new Array(n)
    const embeddings: number[][] = new Array(n)
    const metadatas: { i: number; even: boolean }[] = new Array(n)
    const documents: string[] = new Array(n)
    for (let i = 0; i < n; i++) {
      ids[i] = `id-${i}`
      embeddings[i] = [i % 1000, Math.floor(i / 1000), 1]
      metadatas[i] = { i, even: i % 2 === 0 }
      documents[i] = `record number ${i}`
    }
    db.add(id, { ids, embeddings, metadatas, documents })
    expect(db.count(id)).toBe(n)
    expect(db.get(id, { ids: ['id-99999'], include: ['metadatas', 'documents'] })).toMatchObject({
      metadatas: [{ i: 99999, even: false }],
      documents: ['record number 99999']
    })
    expect(db.get(id, { ids, limit: 2 }).ids).toEqual(['id-0', 'id-1'])
    expect(db.get(id, { where: { i: { $gte: 99998 } } }).ids).toEqual(['id-99998', 'id-99999'])
    expect(db.get(id, { where_document: { $contains: 'number 5000' } }).ids.length).toBe(11)
    expect(db.query(id, { query_embeddings: [[5, 7, 1]], n_results: 1, where: { even: false } }).ids).toEqual([
      ['id-7005']
    ])
    expect(db.delete(id, { where: { even: true } })).toEqual({ deleted: 50_000 })
    expect(db.count(id)).toBe(50_000)
  }, 120_000)
})

describe('persistent snapshots', () => {
  it('writes a snapshot once enough changes are pending, and on close (inline index)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chromadesk-db-'))
    try {
      const p = new ChromaDatabase({ path: dir, snapshotAfterChanges: 10, indexWorker: false })
      const id = p.createCollection(scope, { name: 'snap' }).id
      p.add(id, { ids: ['a'], embeddings: [[1]] })
      p.query(id, { query_embeddings: [[1]] }) // loads the index
      const metaFiles = (): string[] => readdirSync(join(dir, 'index')).filter((f) => f.endsWith('.meta.json'))
      expect(metaFiles()).toEqual([])
      p.add(id, {
        ids: Array.from({ length: 5 }, (_, i) => `b${i}`),
        embeddings: Array.from({ length: 5 }, (_, i) => [i])
      })
      expect(metaFiles()).toEqual([])
      p.add(id, {
        ids: Array.from({ length: 5 }, (_, i) => `c${i}`),
        embeddings: Array.from({ length: 5 }, (_, i) => [i])
      })
      expect(metaFiles().length).toBe(1)
      const snapshotText = (): string => readFileSync(join(dir, 'index', metaFiles()[0] as string), 'utf8')
      expect(snapshotText()).toContain('"seq":3')
      p.delete(id, { ids: ['a'] })
      p.close()
      expect(snapshotText()).toContain('"seq":4')
      const reopened = new ChromaDatabase({ path: dir })
      expect(reopened.query(id, { query_embeddings: [[0]], n_results: 20 }).ids[0]?.length).toBe(10)
      await reopened.closeAsync()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
