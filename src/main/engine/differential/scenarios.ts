// Scenarios written once against the client API and run on both sides. Every call whose answer
// matters goes through `r.run`, so Chroma's answer and ours are compared call by call.
import {
  collectionListView,
  collectionView,
  getView,
  queryView,
  type RecallSummary,
  type Recorder,
  type Scenario
} from './harness.js'
import { makeRecords, vectors } from './data.js'
import { seededRandom } from '../testing/synthetic.js'
import type { DivergenceId } from './chroma-1.0-divergences.js'
import { takeJsRejection, TestEmbeddingFunction, type Args, type DiffClient, type DiffCollection } from './targets.js'

const ef = (): TestEmbeddingFunction => new TestEmbeddingFunction()
const ALL: string[] = ['embeddings', 'documents', 'metadatas', 'uris']

async function create(client: DiffClient, r: Recorder, name: string, extra: Args = {}): Promise<DiffCollection> {
  const col = await r.run(
    `createCollection ${name}`,
    () => client.createCollection({ name, embeddingFunction: ef(), ...extra }),
    {
      view: collectionView
    }
  )
  return r.need(col, `collection ${name}`)
}

async function addAll(
  col: DiffCollection,
  r: Recorder,
  label: string,
  set: ReturnType<typeof makeRecords>,
  batch = 500
): Promise<void> {
  for (let i = 0; i < set.ids.length; i += batch) {
    const slice = (xs: unknown[]): unknown[] => xs.slice(i, i + batch)
    await r.write(`${label} add[${i}]`, () =>
      col.add({
        ids: slice(set.ids),
        embeddings: slice(set.embeddings),
        documents: slice(set.documents),
        metadatas: slice(set.metadatas)
      })
    )
  }
}

// ---------------------------------------------------------------------------------------------

export const collectionsScenario: Scenario = async (client, r) => {
  // Start from an empty database on both sides (the Chroma server is shared by all scenarios).
  for (const c of await client.listCollections({ limit: 1000 })) await client.deleteCollection({ name: c.name })

  await r.run('countCollections empty', () => client.countCollections())
  await r.run('listCollections empty', () => client.listCollections(), { view: collectionListView })
  const a = await create(client, r, 'coll-alpha', { metadata: { owner: 'me', n: 3, f: 0.5, ok: true } })
  await create(client, r, 'coll-beta')
  await create(client, r, 'coll-cos-config', { configuration: { hnsw: { space: 'cosine', ef_search: 50 } } })
  await create(client, r, 'coll-ip-meta', { metadata: { 'hnsw:space': 'ip', 'hnsw:M': 8 } })
  await create(client, r, 'coll-precedence', {
    configuration: { hnsw: { space: 'ip' } },
    metadata: { 'hnsw:space': 'cosine' }
  })
  await create(client, r, 'coll-full-cfg', {
    configuration: {
      hnsw: {
        space: 'l2',
        ef_construction: 50,
        ef_search: 20,
        max_neighbors: 12,
        resize_factor: 1.5,
        sync_threshold: 500
      }
    }
  })

  await r.run(
    'createCollection duplicate',
    () => client.createCollection({ name: 'coll-alpha', embeddingFunction: ef() }),
    { view: collectionView }
  )
  for (const bad of ['ab', 'a', '-abc', 'abc-', 'a..b', 'ab c', '192.168.1.1', 'x'.repeat(513), 'café']) {
    await r.run(
      `createCollection invalid name ${bad.slice(0, 20)}`,
      () => client.createCollection({ name: bad, embeddingFunction: ef() }),
      {
        view: collectionView
      }
    )
  }
  await r.run(
    'createCollection 512-char name',
    () => client.createCollection({ name: 'y'.repeat(512), embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  await r.run(
    'createCollection empty metadata',
    () => client.createCollection({ name: 'coll-empty-md', metadata: {}, embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  await r.run('createCollection bad hnsw:space', () =>
    client.createCollection({ name: 'coll-bad-space', metadata: { 'hnsw:space': 'foo' }, embeddingFunction: ef() })
  )
  await r.run('createCollection unknown hnsw key', () =>
    client.createCollection({ name: 'coll-bad-key', metadata: { 'hnsw:bogus': 1 }, embeddingFunction: ef() })
  )
  // Chroma answers 422 with a serde message here; only "it is rejected" is the contract.
  await r.run(
    'createCollection unknown hnsw config field',
    () =>
      client.createCollection({ name: 'coll-bad-cfg', configuration: { hnsw: { bogus: 1 } }, embeddingFunction: ef() }),
    { mode: 'throws', view: collectionView }
  )

  await r.run('getCollection alpha', () => client.getCollection({ name: 'coll-alpha', embeddingFunction: ef() }), {
    view: collectionView
  })
  await r.run('getCollection missing', () => client.getCollection({ name: 'coll-missing', embeddingFunction: ef() }), {
    view: collectionView,
    divergence: 'not-found-message-typo'
  })
  await r.run(
    'getOrCreateCollection existing ignores new metadata',
    () => client.getOrCreateCollection({ name: 'coll-alpha', metadata: { other: 1 }, embeddingFunction: ef() }),
    { view: collectionView }
  )
  await r.run(
    'getOrCreateCollection new',
    () => client.getOrCreateCollection({ name: 'coll-gamma', metadata: { g: 1 }, embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  await r.run('countCollections', () => client.countCollections())
  await r.run('listCollections', () => client.listCollections(), { view: collectionListView })
  await r.run('listCollections limit 2 (count)', async () => (await client.listCollections({ limit: 2 })).length)
  await r.run('listCollections offset 5 (count)', async () => (await client.listCollections({ offset: 5 })).length)

  // modify: metadata replaces the whole map; rename.
  await r.write('modify metadata', () => a.modify({ metadata: { owner: 'you', added: 'x' } }))
  await r.run(
    'getCollection after modify metadata',
    () => client.getCollection({ name: 'coll-alpha', embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  await r.write('modify name', () => a.modify({ name: 'coll-alpha-2' }))
  await r.run('getCollection old name', () => client.getCollection({ name: 'coll-alpha', embeddingFunction: ef() }), {
    view: collectionView,
    divergence: 'not-found-message-typo'
  })
  await r.run('getCollection new name', () => client.getCollection({ name: 'coll-alpha-2', embeddingFunction: ef() }), {
    view: collectionView
  })
  await r.write('modify name invalid', () => a.modify({ name: 'a' }))
  // Chroma 1.0 leaks a 500 SQLite UNIQUE error here; the contract kept is "rejected".
  await r.write('modify name to existing', () => a.modify({ name: 'coll-beta' }), { mode: 'throws' })
  await r.write('modify ef_search', () => a.modify({ configuration: { hnsw: { ef_search: 33 } } }))
  await r.run(
    'getCollection after modify config',
    () => client.getCollection({ name: 'coll-alpha-2', embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )

  await r.write('modify metadata with a null value', () => a.modify({ metadata: { keep: 1, drop: null } }))
  await r.run(
    'getCollection after null metadata value',
    () => client.getCollection({ name: 'coll-alpha-2', embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  const ipMeta = await r.run(
    'getCollection ip-meta',
    () => client.getCollection({ name: 'coll-ip-meta', embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  if (ipMeta) {
    await r.write('modify metadata dropping hnsw:space', () => ipMeta.modify({ metadata: { plain: true } }))
    await r.run(
      'space survives metadata replacement',
      () => client.getCollection({ name: 'coll-ip-meta', embeddingFunction: ef() }),
      {
        view: collectionView
      }
    )
  }
  await r.run('deleteCollection', () => client.deleteCollection({ name: 'coll-beta' }))
  await r.run('deleteCollection again', () => client.deleteCollection({ name: 'coll-beta' }), {
    divergence: 'not-found-message-typo'
  })
  await r.run('getCollection deleted', () => client.getCollection({ name: 'coll-beta', embeddingFunction: ef() }), {
    view: collectionView,
    divergence: 'not-found-message-typo'
  })
  await r.run('countCollections after delete', () => client.countCollections())
  await r.run('recreate deleted name', () => client.createCollection({ name: 'coll-beta', embeddingFunction: ef() }), {
    view: collectionView
  })
}

// ---------------------------------------------------------------------------------------------

export const recordsScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'rec-basic')
  const emb = (x: number): number[] => [x, x / 2, -x, 0.25, 1, 0, x % 3, -0.5]
  await r.run('count empty', () => col.count())
  await r.run('get empty', () => col.get({ include: ALL }), { view: getView })
  await r.run('query never written', () => col.query({ queryEmbeddings: [[1, 2, 3]], nResults: 3 }), {
    view: queryView
  })
  await r.write('add', () =>
    col.add({
      ids: ['c', 'a', 'b', 'd'],
      embeddings: [emb(3), emb(1), emb(2), emb(4)],
      documents: ['doc c', 'doc a', 'doc b', 'doc d'],
      metadatas: [{ k: 'c', n: 3 }, { k: 'a', n: 1, f: 1.25, t: true }, null, { k: 'd', n: 4 }],
      uris: ['uri-c', 'uri-a', 'uri-b', 'uri-d']
    })
  )
  await r.run(
    'getCollection dimension is set (configuration unchanged)',
    () => client.getCollection({ name: 'rec-basic', embeddingFunction: ef() }),
    {
      view: collectionView
    }
  )
  await r.run('get all include all (insertion order)', () => col.get({ include: ALL }), {
    view: getView,
    divergence: 'uri-only-metadata-empty-object'
  })
  await r.run('get default include', () => col.get(), {
    view: getView,
    divergence: 'uri-only-metadata-empty-object'
  })
  await r.run(
    'get ids in other order, with a missing id',
    () => col.get({ ids: ['d', 'zz', 'a'], include: ['documents'] }),
    { view: getView }
  )
  await r.run('get limit/offset', () => col.get({ limit: 2, offset: 1, include: [] }), { view: getView })
  await r.run('get offset past end', () => col.get({ offset: 10 }), { view: getView })
  await r.run('get limit 0', () => col.get({ limit: 0 }), { view: getView })
  await r.run('get include embeddings only', () => col.get({ ids: ['a'], include: ['embeddings'] }), { view: getView })
  await r.run('get include uris', () => col.get({ include: ['uris'] }), { view: getView })
  await r.run('get include distances (rejected)', () => col.get({ include: ['distances'] }), { view: getView })

  await r.write('add existing ids is ignored', () =>
    col.add({
      ids: ['a', 'e'],
      embeddings: [emb(9), emb(5)],
      documents: ['changed a', 'doc e'],
      metadatas: [{ k: 'changed' }, { k: 'e' }]
    })
  )
  await r.run('get after add-existing', () => col.get({ include: ALL }), {
    view: getView,
    divergence: 'uri-only-metadata-empty-object'
  })
  await r.write('add duplicate ids in one batch', () =>
    col.add({ ids: ['f', 'g', 'f'], embeddings: [emb(6), emb(7), emb(8)], documents: ['first f', 'g', 'second f'] })
  )
  await r.run('get after duplicate batch', () => col.get({ ids: ['f', 'g'], include: ALL }), { view: getView })
  await r.run('count', () => col.count())

  await r.write('upsert existing and new', () =>
    col.upsert({
      ids: ['b', 'h'],
      embeddings: [emb(20), emb(21)],
      metadatas: [{ k: 'b2', extra: 1 }, { k: 'h' }],
      documents: ['doc b2', 'doc h']
    })
  )
  await r.write('upsert keeps other metadata keys (merge)', () =>
    col.upsert({ ids: ['c'], embeddings: [emb(30)], metadatas: [{ n: 33 }] })
  )
  await r.write('upsert without documents keeps document', () => col.upsert({ ids: ['d'], embeddings: [emb(40)] }))
  await r.run('get after upsert (order kept)', () => col.get({ include: ALL }), { view: getView })

  await r.write('update metadata merge, null deletes, missing id ignored', () =>
    col.update({ ids: ['a', 'nope'], metadatas: [{ n: null, added: 'yes', f: 2 }, { k: 'x' }] })
  )
  await r.write('update document only', () => col.update({ ids: ['e'], documents: ['doc e2'] }))
  await r.write('update embedding only', () => col.update({ ids: ['h'], embeddings: [emb(50)] }))
  await r.write('update uri only', () => col.update({ ids: ['g'], uris: ['uri-g'] }))
  await r.write('update deleting every metadata key', () => col.update({ ids: ['e'], metadatas: [{ k: null }] }))
  await r.run('get after update', () => col.get({ include: ALL }), {
    view: getView,
    divergence: 'uri-only-metadata-empty-object'
  })
  await r.write('update dimension mismatch', () => col.update({ ids: ['a'], embeddings: [[1, 2]] }))
  await r.write('upsert dimension mismatch', () => col.upsert({ ids: ['a'], embeddings: [[1, 2]] }))

  // documents only: embedded with the collection's embedding function on both sides
  const text = await create(client, r, 'rec-text')
  await r.write('add documents only', () =>
    text.add({ ids: ['t1', 't2', 't3'], documents: ['hello there', 'general kenobi', 'hello again'] })
  )
  await r.run('get embeddings computed by EF', () => text.get({ include: ALL }), { view: getView })
  await r.run(
    'query by text',
    () => text.query({ queryTexts: ['hello'], nResults: 2, include: ['documents', 'distances'] }),
    { view: queryView }
  )

  await r.run(
    'get ids with limit/offset',
    () => col.get({ ids: ['h', 'a', 'c', 'g'], limit: 2, offset: 1, include: [] }),
    {
      view: getView
    }
  )
  await r.run('get ids + where', () => col.get({ ids: ['a', 'b', 'c'], where: { k: { $ne: 'c' } } }), { view: getView })
  await r.run('peek default', () => col.peek({}), {
    view: getView,
    divergence: 'uri-only-metadata-empty-object'
  })
  await r.run('peek 2', () => col.peek({ limit: 2 }), { view: getView })
  await r.write('metadata with empty object', () => col.add({ ids: ['m0'], embeddings: [emb(60)], metadatas: [{}] }))
  await r.write('metadata with all value types', () =>
    col.add({
      ids: ['m1'],
      embeddings: [emb(61)],
      metadatas: [{ s: 'str', i: -7, f: 3.5, big: 2 ** 40, neg: -0.125, b: false, e: '' }]
    })
  )
  await r.run('get typed metadata', () => col.get({ ids: ['m0', 'm1'] }), { view: getView })
  await r.write('delete everything', () => col.delete({ ids: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'm0', 'm1'] }))
  await r.run('count after deleting everything', () => col.count())
  await r.run('query after deleting everything', () => col.query({ queryEmbeddings: [emb(1)], nResults: 3 }), {
    view: queryView
  })
  await r.write('upsert into emptied collection', () =>
    col.upsert({ ids: ['z'], embeddings: [emb(2)], documents: ['zz'] })
  )
  await r.run(
    'query after re-insert',
    () => col.query({ queryEmbeddings: [emb(1)], nResults: 3, include: ['documents', 'distances'] }),
    {
      mode: 'query',
      view: queryView
    }
  )
}

// ---------------------------------------------------------------------------------------------

export const validationScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'val-errors')
  await r.write('first add sets dimension', () => col.add({ ids: ['a'], embeddings: [[1, 2, 3]] }))
  await r.write('add dimension mismatch', () => col.add({ ids: ['b'], embeddings: [[1, 2]] }))
  await r.write('add inconsistent dimensions in batch', () =>
    col.add({
      ids: ['b', 'c'],
      embeddings: [
        [1, 2, 3],
        [1, 2]
      ]
    })
  )
  await r.write('add inconsistent lengths', () => col.add({ ids: ['b', 'c'], embeddings: [[1, 2, 3]] }))
  await r.write('add inconsistent metadatas length', () =>
    col.add({ ids: ['b'], embeddings: [[1, 2, 3]], metadatas: [{ a: 1 }, { a: 2 }] })
  )
  await r.write('add empty id', () => col.add({ ids: [''], embeddings: [[1, 2, 3]] }))
  await r.write('add empty ids list', () => col.add({ ids: [], embeddings: [] }))
  await r.write('add empty embedding', () => col.add({ ids: ['b'], embeddings: [[]] }))
  // Over HTTP NaN becomes null and Chroma fails deserialising (422); the contract kept is "rejected".
  await r.write('add NaN', () => col.add({ ids: ['b'], embeddings: [[1, Number.NaN, 3]] }), { mode: 'throws' })
  await r.write('add Infinity', () => col.add({ ids: ['b'], embeddings: [[1, Number.POSITIVE_INFINITY, 3]] }), {
    mode: 'throws'
  })
  await r.write(
    'add nested metadata value',
    () => col.add({ ids: ['b'], embeddings: [[1, 2, 3]], metadatas: [{ o: { x: 1 } }] }),
    {
      mode: 'throws'
    }
  )
  await r.run('query dimension mismatch', () => col.query({ queryEmbeddings: [[1, 2]], nResults: 1 }), {
    view: queryView
  })
  await r.run('query nResults 0', () => col.query({ queryEmbeddings: [[1, 2, 3]], nResults: 0 }), { view: queryView })
  await r.run(
    'query ids with a missing id',
    () => col.query({ queryEmbeddings: [[1, 2, 3]], ids: ['a', 'zz'], nResults: 2 }),
    {
      view: queryView
    }
  )
  await r.run('get invalid include', () => col.get({ include: ['bogus'] }), { view: getView })
  await r.run('count unchanged', () => col.count())
  await r.run('get all', () => col.get({ include: ALL }), { view: getView })
  // last: Chroma 1.0 accepts these keys (and stores the records), the reference rejects them
  for (const [id, key] of [
    ['h1', '#a'],
    ['h2', '$a']
  ] as const) {
    const args = { ids: [id], embeddings: [[1, 2, 3]], metadatas: [{ [key]: 1 }] }
    await r.write(`add metadata key with ${key[0]}`, () => col.add(args), {
      divergence: { id: 'metadata-key-hash-dollar-accepted', args }
    })
  }
}

// ---------------------------------------------------------------------------------------------

/** Clause table; a third element names the Chroma 1.0 divergence the step shows (the reference wins). */
export const WHERE_CLAUSES: [string, Args, DivergenceId?][] = [
  ['$eq str implicit', { where: { cat: 'red' } }],
  ['$eq str case-sensitive', { where: { cat: { $eq: 'Red' } } }],
  ['$eq int', { where: { n: { $eq: 3 } } }],
  ['$eq int matches int-valued', { where: { mixed: 1 } }],
  ['$eq float', { where: { mixed: 1.5 } }],
  ['$eq float vs int-stored (truncation quirk)', { where: { n: { $eq: 3.5 } } }],
  ['$eq bool', { where: { flag: true } }],
  ['$eq bool false', { where: { flag: { $eq: false } } }],
  ['$eq type mismatch str vs int', { where: { n: '3' } }],
  ['$eq on missing key', { where: { nokey: 1 } }],
  ['$ne str (missing key matches)', { where: { opt: { $ne: 'odd' } } }],
  ['$ne int', { where: { n: { $ne: 4 } } }],
  ['$ne bool', { where: { flag: { $ne: true } } }],
  ['$ne type mismatch', { where: { cat: { $ne: 5 } } }],
  ['$gt int', { where: { n: { $gt: 6 } } }],
  ['$gte int on float values', { where: { score: { $gte: 5 } } }],
  ['$lt float', { where: { score: { $lt: 2.5 } } }],
  ['$lte float on int values', { where: { n: { $lte: 2.5 } } }],
  ['$gt float on int values', { where: { n: { $gt: 6.5 } } }],
  ['$lt mixed int/float key', { where: { mixed: { $lt: 1.5 } } }],
  ['$gte mixed int/float key', { where: { lvl: { $gte: 2 } } }],
  ['$gt string operand', { where: { cat: { $gt: 'a' } } }],
  ['$in str', { where: { cat: { $in: ['red', 'blue', 'nope'] } } }],
  ['$in int', { where: { n: { $in: [1, 3, 5] } } }],
  ['$in float', { where: { score: { $in: [1.5, 2.25] } } }],
  // Float first: Chroma reads the list by its first element (an int first would want only ints).
  ['$in float on int-stored', { where: { mixed: { $in: [7.5, 1.0] } } }],
  ['$in bool', { where: { flag: { $in: [false] } } }],
  ['$nin str (missing key matches)', { where: { opt: { $nin: ['even'] } } }],
  ['$nin int', { where: { n: { $nin: [0, 1, 2, 3, 4, 5, 6] } } }],
  ['$in empty', { where: { n: { $in: [] } } }],
  ['$in mixed types', { where: { n: { $in: [1, 'a'] } } }],
  ['$in not an array', { where: { n: { $in: 1 } } }],
  ['$and', { where: { $and: [{ cat: 'red' }, { n: { $gte: 5 } }] } }],
  ['$or', { where: { $or: [{ cat: 'green' }, { flag: true }] } }],
  ['nested $and/$or', { where: { $or: [{ $and: [{ cat: 'blue' }, { n: { $lt: 3 } }] }, { opt: 'even' }] } }],
  ['$and single element', { where: { $and: [{ cat: 'red' }] } }],
  ['$or empty', { where: { $or: [] } }],
  ['where empty object', { where: {} }],
  ['where two keys', { where: { cat: 'red', n: 1 } }],
  ['where unknown top-level operator', { where: { $not: { cat: 'red' } } }],
  ['where unknown operator', { where: { cat: { $like: 'r%' } } }],
  ['where two operators', { where: { n: { $gt: 1, $lt: 5 } } }],
  ['where null operand', { where: { cat: null } }],
  ['where object operand', { where: { cat: { $eq: { a: 1 } } } }],
  ['where $contains on metadata', { where: { cat: { $contains: 're' } } }, 'metadata-contains-unsupported'],
  [
    'where $contains on metadata, scalar equal',
    { where: { cat: { $contains: 'red' } } },
    'metadata-contains-unsupported'
  ],
  [
    'where $not_contains on metadata (missing key matches)',
    { where: { opt: { $not_contains: 'odd' } } },
    'metadata-contains-unsupported'
  ],
  ['where $regex on metadata', { where: { cat: { $regex: 're' } } }],
  ['whereDocument $contains', { whereDocument: { $contains: 'apple' } }],
  ['whereDocument $contains case-sensitive', { whereDocument: { $contains: 'banana' } }],
  ['whereDocument $contains %', { whereDocument: { $contains: '100%' } }, 'document-contains-like-wildcards'],
  ['whereDocument $contains _', { whereDocument: { $contains: 'f_s' } }],
  [
    'whereDocument $contains LIKE wildcard literal',
    { whereDocument: { $contains: 'o%f' } },
    'document-contains-like-wildcards'
  ],
  ['whereDocument $not_contains (no document matches)', { whereDocument: { $not_contains: 'e' } }],
  ['whereDocument invalid regex', { whereDocument: { $regex: '(' } }],
  // the engine maps only some syntax errors to the Rust regex crate's wording; this one it words in JS terms
  ['whereDocument invalid regex, range out of order', { whereDocument: { $regex: '[z-a]' } }, 'regex-error-wording'],
  ['whereDocument $and', { whereDocument: { $and: [{ $contains: 'fox' }, { $not_contains: 'echo' }] } }],
  ['whereDocument $or', { whereDocument: { $or: [{ $contains: 'kilo' }, { $contains: 'juliet' }] } }],
  ['whereDocument empty object', { whereDocument: {} }],
  ['whereDocument unknown operator', { whereDocument: { $matches: 'x' } }],
  ['whereDocument non-string operand', { whereDocument: { $contains: 5 } }],
  ['whereDocument $contains empty string', { whereDocument: { $contains: '' } }],
  ['where + whereDocument', { where: { cat: 'red' }, whereDocument: { $contains: 'a' } }],
  ['ids ∩ where', { ids: ['id-0000', 'id-0001', 'id-0005', 'id-0010', 'missing'], where: { n: { $in: [0, 1] } } }],
  ['where with limit/offset', { where: { flag: false }, limit: 7, offset: 3 }]
]

/**
 * Chroma 1.0's local server panics on `$regex`/`$not_regex` (`todo!()` in its SQLite metadata reader:
 * the connection just drops), so these are checked against an oracle evaluated over Chroma's data with
 * the semantics of later Chroma versions (no document: `$regex` fails, `$not_regex` matches).
 */
export const REGEX_CLAUSES: [string, WhereDoc][] = [
  ['$regex', { $regex: '^(apple|Golf) .*#1[0-9]$' }],
  ['$regex case-insensitive flag', { $regex: '(?i)^banana' }],
  ['$regex no match', { $regex: 'zzz+' }],
  ['$not_regex (no document matches)', { $not_regex: '[aeiou]{2}' }],
  ['$or with $regex', { $or: [{ $contains: 'kilo' }, { $regex: '#4[0-9]$' }] }],
  ['$and with $not_regex', { $and: [{ $contains: 'a' }, { $not_regex: 'e.h' }] }]
]

type WhereDoc = { [op: string]: string | WhereDoc[] }

function toJsRegExp(pattern: string): RegExp {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern)
}

function matchesDocument(doc: string | null, clause: WhereDoc): boolean {
  const [op, operand] = Object.entries(clause)[0] ?? ['', '']
  if (op === '$and') return (operand as WhereDoc[]).every((c) => matchesDocument(doc, c))
  if (op === '$or') return (operand as WhereDoc[]).some((c) => matchesDocument(doc, c))
  const text = operand as string
  if (op === '$contains') return doc !== null && doc.includes(text)
  if (op === '$not_contains') return doc === null || !doc.includes(text)
  if (op === '$regex') return doc !== null && toJsRegExp(text).test(doc)
  if (op === '$not_regex') return doc === null || !toJsRegExp(text).test(doc)
  throw new Error(`oracle: unsupported operator ${op}`)
}

type Doc = string | null

/** `get` of the records of Chroma's own answer to `where` that pass `keep`, shaped like a GetResponse. */
async function selectGet(
  col: DiffCollection,
  where: Args | undefined,
  include: string[],
  keep: (doc: Doc, metadata: Meta) => boolean
): Promise<unknown> {
  const all = (await col.get({ where, include })) as { ids: string[]; documents: Doc[]; metadatas: Meta[] }
  const kept = all.ids.map((_, i) => keep(all.documents[i] ?? null, all.metadatas[i] ?? null))
  const sel = <T>(xs: T[]): T[] => xs.filter((_, i) => kept[i])
  return {
    ids: sel(all.ids),
    embeddings: null,
    documents: sel(all.documents),
    metadatas: sel(all.metadatas),
    uris: null,
    include
  }
}

/** Metadata `$contains`/`$not_contains` as the reference defines them (array holds it, or scalar equals it). */
function metadataContains(m: Meta, where: Args): boolean {
  const [key, cond] = Object.entries(where)[0] ?? ['', null]
  const [op, operand] = Object.entries((cond ?? {}) as Args)[0] ?? ['', null]
  const value: unknown = m?.[key]
  const contains = Array.isArray(value) ? value.includes(operand) : value !== undefined && value === operand
  if (op === '$contains') return contains
  if (op === '$not_contains') return !contains
  throw new Error(`oracle: unsupported where ${JSON.stringify(where)}`)
}

/** The reference answer to a `get` with one `where` or one `whereDocument` clause, from Chroma's own records. */
function referenceGet(col: DiffCollection, clause: Args, include: string[]): Promise<unknown> {
  const { where, whereDocument, ...rest } = clause as { where?: Args; whereDocument?: WhereDoc }
  if (Object.keys(rest).length > 0 || (where === undefined) === (whereDocument === undefined)) {
    throw new Error(`oracle: unsupported clause ${JSON.stringify(clause)}`)
  }
  if (where) return selectGet(col, undefined, include, (_doc, m) => metadataContains(m, where))
  return selectGet(col, undefined, include, (doc) => matchesDocument(doc, whereDocument as WhereDoc))
}

export const filtersScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'filters')
  await addAll(col, r, 'filters', makeRecords(7, 120, 4))
  for (const [label, clause, divergence] of WHERE_CLAUSES) {
    const include = ['metadatas', 'documents']
    await r.run(`get ${label}`, () => col.get({ ...clause, include }), {
      view: getView,
      ...(divergence
        ? { divergence: { id: divergence, args: clause, oracle: () => referenceGet(col, clause, include) } }
        : {})
    })
  }
  for (const [label, clause] of REGEX_CLAUSES) {
    for (const where of [undefined, { flag: true }]) {
      const include = ['metadatas', 'documents']
      await r.oracle(
        `get whereDocument ${label}${where ? ' + where' : ''}`,
        () => col.get({ whereDocument: clause, where, include }),
        () => selectGet(col, where, include, (doc) => matchesDocument(doc, clause)),
        { view: getView, note: 'oracle: Chroma 1.0 panics on $regex' }
      )
    }
  }
}

// ---------------------------------------------------------------------------------------------

const QUERY_DIM = 24
const QUERY_COUNT = 1000

function spaceScenario(name: string, extra: Args): Scenario {
  return async (client, r) => {
    const col = await create(client, r, name, extra)
    const set = makeRecords(11, QUERY_COUNT, QUERY_DIM)
    await addAll(col, r, name, set)
    await r.run('count', () => col.count())
    const queries = vectors(seededRandom(99), 6, QUERY_DIM)
    // one query equal to a stored vector: its distance must be (about) zero
    queries.push(set.embeddings[123] ?? [])
    await r.run(
      'query top 10, include all',
      () => col.query({ queryEmbeddings: queries, nResults: 10, include: [...ALL, 'distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run('query default include', () => col.query({ queryEmbeddings: queries.slice(0, 2), nResults: 25 }), {
      mode: 'query',
      view: queryView
    })
    await r.run(
      'query with where (selective)',
      () => col.query({ queryEmbeddings: queries, nResults: 10, where: { n: 3 }, include: ['distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run(
      'query with where (broad) + whereDocument',
      () =>
        col.query({
          queryEmbeddings: queries,
          nResults: 15,
          where: { flag: false },
          whereDocument: { $not_contains: 'kilo' },
          include: ['distances', 'metadatas']
        }),
      { mode: 'query', view: queryView }
    )
    await r.run(
      'query with ids',
      () =>
        col.query({
          queryEmbeddings: queries.slice(0, 2),
          nResults: 3,
          ids: set.ids.slice(0, 40),
          include: ['distances']
        }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run(
      'query nResults > candidates',
      () =>
        col.query({ queryEmbeddings: queries.slice(0, 1), nResults: 50, where: { lvl: 2.5 }, include: ['distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run(
      'query where matches nothing',
      () => col.query({ queryEmbeddings: queries.slice(0, 1), nResults: 5, where: { cat: 'none' } }),
      {
        mode: 'query',
        view: queryView
      }
    )
    // after deletes and upserts the index must still answer like Chroma
    await r.write('delete some', () => col.delete({ where: { n: { $in: [0, 1, 2] } } }))
    await r.write('upsert moves vectors', () =>
      col.upsert({ ids: set.ids.slice(500, 520), embeddings: vectors(seededRandom(5), 20, QUERY_DIM) })
    )
    await r.run(
      'query after delete/upsert',
      () => col.query({ queryEmbeddings: queries, nResults: 10, include: ['distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run('count after delete', () => col.count())
    const small = await create(client, r, `${name}-small`, extra)
    await r.write('small add', () =>
      small.add({
        ids: ['p', 'q', 'r'],
        embeddings: [
          [1, 0],
          [0, 2],
          [-1, -1]
        ]
      })
    )
    await r.run(
      'small query nResults > count',
      () =>
        small.query({
          queryEmbeddings: [
            [0.5, 0.5],
            [3, -1]
          ],
          nResults: 10,
          include: [...ALL, 'distances']
        }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await r.run(
      'small query with zero vector',
      () => small.query({ queryEmbeddings: [[0, 0]], nResults: 3, include: ['distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
  }
}

type Space = 'l2' | 'ip' | 'cosine'

function distance(space: Space, a: number[], b: number[]): number {
  let dot = 0
  let na = 0
  let nb = 0
  let l2 = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    dot += x * y
    na += x * x
    nb += y * y
    l2 += (x - y) ** 2
  }
  if (space === 'l2') return l2
  if (space === 'ip') return 1 - dot
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb) || 1)
}

type Meta = Record<string, string | number | boolean> | null
/** Enough of `where` for the clauses used below: equality, $in and $and. */
function matchesWhere(m: Meta, where: Args | undefined): boolean {
  if (!where) return true
  const [key, cond] = Object.entries(where)[0] ?? ['', null]
  if (key === '$and') return (cond as Args[]).every((w) => matchesWhere(m, w))
  const value = m?.[key]
  if (cond !== null && typeof cond === 'object' && '$in' in cond) return (cond.$in as unknown[]).includes(value)
  return value !== undefined && value === cond
}

/** Scores a query result against brute force over the records the scenario inserted. */
function recallView(set: ReturnType<typeof makeRecords>, space: Space, queries: number[][], k: number, where?: Args) {
  const candidates = set.ids.map((_, i) => i).filter((i) => matchesWhere(set.metadatas[i] ?? null, where))
  const exact = queries.map((q) => {
    const d = new Map(candidates.map((i) => [set.ids[i] ?? '', distance(space, q, set.embeddings[i] ?? [])]))
    return { all: d, top: [...d.entries()].sort((x, y) => x[1] - y[1]).slice(0, k) }
  })
  return (value: unknown): RecallSummary => {
    const v = value as { ids: string[][]; distances: number[][] }
    let wellFormed = true
    let recall = 0
    v.ids.forEach((row, q) => {
      const truth = exact[q]
      if (!truth) return
      const dist = v.distances[q] ?? []
      row.forEach((id, i) => {
        const want = truth.all.get(id)
        const got = dist[i] ?? NaN
        if (want === undefined || Math.abs(want - got) > Math.max(1e-3, 1e-4 * Math.abs(want))) wellFormed = false
        if (i > 0 && got < (dist[i - 1] ?? -Infinity) - 1e-6) wellFormed = false
      })
      // ties at the k-th distance: any of the tied ids counts as a true neighbour
      const kth = truth.top[truth.top.length - 1]?.[1] ?? Infinity
      const good = row.filter((id) => (truth.all.get(id) ?? Infinity) <= kth + 1e-5).length
      recall += truth.top.length ? Math.min(good, truth.top.length) / truth.top.length : 1
    })
    return { lengths: v.ids.map((r) => r.length), wellFormed, recall: recall / Math.max(1, v.ids.length) }
  }
}

/** 2000 × 48: enough points that recall differences show; judged against brute force (mode recall). */
function largeScenario(name: string, space: Space, extra: Args): Scenario {
  return async (client, r) => {
    const col = await create(client, r, name, extra)
    const set = makeRecords(31, 2000, 48)
    await addAll(col, r, name, set, 1000)
    const queries = vectors(seededRandom(4242), 8, 48)
    const include = ['distances']
    for (const k of [10, 50]) {
      await r.run(`query top ${k}`, () => col.query({ queryEmbeddings: queries, nResults: k, include }), {
        mode: 'recall',
        view: recallView(set, space, queries, k)
      })
    }
    for (const [label, where] of [
      ['~3% selective', { $and: [{ n: 3 }, { flag: true }] }],
      ['~10% selective', { n: 7 }],
      ['~40% selective', { cat: { $in: ['red', 'green'] } }],
      ['~67% selective', { flag: false }]
    ] as [string, Args][]) {
      await r.run(
        `query top 10 where ${label}`,
        () => col.query({ queryEmbeddings: queries, nResults: 10, where, include }),
        {
          mode: 'recall',
          view: recallView(set, space, queries, 10, where)
        }
      )
    }
  }
}

export const spaceScenarios: [string, Scenario][] = [
  ['l2 (default)', spaceScenario('space-l2', {})],
  ['ip via configuration', spaceScenario('space-ip-cfg', { configuration: { hnsw: { space: 'ip' } } })],
  ['cosine via configuration', spaceScenario('space-cos-cfg', { configuration: { hnsw: { space: 'cosine' } } })],
  ['cosine via metadata hnsw:space', spaceScenario('space-cos-md', { metadata: { 'hnsw:space': 'cosine' } })],
  ['l2, 2000 x 48, filtered', largeScenario('large-l2', 'l2', {})],
  [
    'cosine via metadata, 2000 x 48, filtered',
    largeScenario('large-cos-md', 'cosine', { metadata: { 'hnsw:space': 'cosine' } })
  ]
]

// ---------------------------------------------------------------------------------------------

export const deleteScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'deletes')
  await addAll(col, r, 'deletes', makeRecords(3, 60, 4))
  const ids = async (): Promise<unknown> => col.get({ include: [] })
  await r.write('delete ids incl. missing', () => col.delete({ ids: ['id-0000', 'id-0001', 'missing'] }))
  await r.run('after delete ids', ids, { view: getView })
  await r.write('delete where', () => col.delete({ where: { cat: 'blue' } }))
  await r.run('after delete where', ids, { view: getView })
  await r.write('delete whereDocument', () => col.delete({ whereDocument: { $contains: 'apple' } }))
  await r.run('after delete whereDocument', ids, { view: getView })
  await r.write('delete ids ∩ where', () =>
    col.delete({ ids: ['id-0002', 'id-0003', 'id-0004'], where: { n: { $gte: 3 } } })
  )
  await r.run('after delete ids ∩ where', ids, { view: getView })
  await r.write('delete empty ids', () => col.delete({ ids: [] }))
  await r.write('delete nothing given', () => col.delete({}))
  await r.write('delete where_document invalid', () => col.delete({ whereDocument: { $bad: 'x' } }))
  await r.write('delete where with empty $in', () => col.delete({ ids: ['id-0005'], where: { n: { $in: [] } } }))
  const badWhere = { where: { $bad: 1 } }
  await r.write('delete invalid where', () => col.delete(badWhere), {
    divergence: { id: 'where-top-level-dollar-key-accepted', args: badWhere }
  })
  await r.run('count at end', () => col.count())
  await r.run('get at end', () => col.get({ include: ALL }), { view: getView })
}

/**
 * Runs `act` on a throwaway copy of `col` (same records, same insertion order): the Chroma side uses
 * it to see Chroma 1.0's own answer to a call whose effect the reference does not share.
 */
async function onProbe<T>(
  client: DiffClient,
  col: DiffCollection,
  act: (probe: DiffCollection) => Promise<T>
): Promise<T> {
  const name = `${col.name}-probe`
  const probe = await client.createCollection({ name, embeddingFunction: ef() })
  try {
    // The records of these scenarios carry no URIs.
    const all = (await col.get({ include: ['embeddings', 'documents', 'metadatas'] })) as Args
    if ((all.ids as string[]).length > 0) {
      await probe.add({ ids: all.ids, embeddings: all.embeddings, documents: all.documents, metadatas: all.metadatas })
      takeJsRejection() // a refusal while copying is not about the call under test
    }
    return await act(probe)
  } finally {
    await client.deleteCollection({ name })
  }
}

/** Which ids a delete removed, in insertion order: makes the effect of `limit` comparable. */
async function deletedBy(col: DiffCollection, args: Args): Promise<{ deleted: string[] }> {
  const before = ((await col.get({ include: [] })) as { ids: string[] }).ids
  await col.delete(args)
  const after = new Set(((await col.get({ include: [] })) as { ids: string[] }).ids)
  return { deleted: before.filter((id) => !after.has(id)) }
}

/**
 * Delete with `limit`. Chroma 1.0 ignores `limit`, which would also change every later step, so on the
 * Chroma side the call runs on a probe copy (Chroma's raw answer, checked by the registry entry) and
 * the reference effect (the first `limit` matches, in insertion order, as Chroma's own `get` lists
 * them) is then applied to the real collection by ids; later steps compare strictly against it.
 */
async function deleteWithLimit(
  client: DiffClient,
  col: DiffCollection,
  r: Recorder,
  label: string,
  args: Args,
  divergence?: DivergenceId
): Promise<void> {
  await r.run(label, () => deletedBy(col, args), {
    ...(divergence
      ? { divergence: { id: divergence, args, chroma: () => onProbe(client, col, (p) => deletedBy(p, args)) } }
      : {})
  })
  const reference = r.steps[r.steps.length - 1]?.outcome
  if (r.side === 'chroma' && divergence && reference?.ok) {
    const ids = (reference.value as { deleted: string[] }).deleted
    if (ids.length > 0) await col.delete({ ids })
  }
}

export const deleteLimitScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'delete-limit')
  await addAll(col, r, 'delete-limit', makeRecords(5, 50, 4))
  const ids = async (): Promise<unknown> => col.get({ include: [] })
  await deleteWithLimit(
    client,
    col,
    r,
    'delete where, limit 0',
    { where: { flag: false }, limit: 0 },
    'delete-ignores-limit'
  )
  await r.run('count after limit 0', () => col.count())
  await deleteWithLimit(
    client,
    col,
    r,
    'delete where, limit 3',
    { where: { flag: false }, limit: 3 },
    'delete-ignores-limit'
  )
  await r.run('after limit 3', ids, { view: getView })
  await deleteWithLimit(
    client,
    col,
    r,
    'delete where + whereDocument, limit 2',
    { where: { flag: false }, whereDocument: { $contains: 'a' }, limit: 2 },
    'delete-ignores-limit'
  )
  await r.run('after where + whereDocument limit 2', ids, { view: getView })
  // limit above the match count: Chroma 1.0 and the reference agree, so Chroma runs it for real
  await deleteWithLimit(client, col, r, 'delete where, limit above the match count', {
    where: { cat: 'blue' },
    limit: 100
  })
  await r.run('after limit above the match count', ids, { view: getView })
  const first = await r.run(
    'first remaining id',
    async () => ((await col.get({ include: [] })) as { ids: string[] }).ids[0]
  )
  await deleteWithLimit(
    client,
    col,
    r,
    'delete limit without where',
    { ids: [r.need(first, 'a remaining id')], limit: 1 },
    'delete-limit-without-where-accepted'
  )
  await r.run('count at end', () => col.count())
  await r.run('get at end', () => col.get({ include: ALL }), { view: getView })
}

// ---------------------------------------------------------------------------------------------
// Array metadata values and `$contains`/`$not_contains` on metadata arrive after Chroma 1.0 (its
// server rejects arrays with 422 and the operators with "Invalid where clause"). The reference
// (chroma-http-api.md §4, §6) describes them; here an oracle evaluated over the test's own records
// stands in for Chroma, so the Chroma side never calls the server in this scenario.

type ArrayMeta = Record<string, string | number | boolean | (string | number | boolean)[]>

const ARRAY_RECORDS: { id: string; metadata: ArrayMeta | null }[] = [
  { id: 'r1', metadata: { tags: ['red', 'blue'], nums: [1, 2, 3], flags: [true], fl: [1.5, 2.5] } },
  { id: 'r2', metadata: { tags: ['green'], nums: [3, 4], flags: [false, true] } },
  { id: 'r3', metadata: { tags: 'red', nums: 2 } },
  { id: 'r4', metadata: { other: 1 } },
  { id: 'r5', metadata: null },
  { id: 'r6', metadata: { tags: ['Red', 'blue'], nums: [10], fl: [2.5] } }
]

function containsValue(value: unknown, x: unknown): boolean {
  return Array.isArray(value) ? value.some((e) => e === x) : value !== undefined && value === x
}

const ARRAY_FILTERS: [string, string, unknown, boolean][] = [
  ['$contains str', 'tags', 'red', true],
  ['$contains str case-sensitive', 'tags', 'Red', true],
  ['$contains int', 'nums', 3, true],
  ['$contains int on scalar', 'nums', 2, true],
  ['$contains float', 'fl', 2.5, true],
  ['$contains float, exact on int elements (1.5: no truncation)', 'nums', 2.5, true],
  ['$contains bool', 'flags', false, true],
  ['$contains absent value', 'tags', 'purple', true],
  ['$not_contains str (missing key matches)', 'tags', 'blue', false],
  ['$not_contains int', 'nums', 3, false]
]

export const arrayMetadataScenario: Scenario = async (client, r) => {
  const col = await create(client, r, 'array-meta')
  const chroma = r.side === 'chroma'
  const ok = async (): Promise<string> => 'ok'
  const note = 'oracle: array metadata is newer than Chroma 1.0'
  await r.oracle(
    'add records with array metadata',
    () =>
      col
        .add({
          ids: ARRAY_RECORDS.map((x) => x.id),
          embeddings: ARRAY_RECORDS.map((_, i) => [i, 1]),
          metadatas: ARRAY_RECORDS.map((x) => x.metadata)
        })
        .then(() => 'ok'),
    ok,
    { note }
  )
  await r.oracle(
    'get arrays back with their types',
    () => col.get({ include: ['metadatas'] }),
    async () => ({
      ids: ARRAY_RECORDS.map((x) => x.id),
      embeddings: null,
      documents: null,
      metadatas: ARRAY_RECORDS.map((x) => x.metadata),
      uris: null,
      include: ['metadatas']
    }),
    { view: getView, note }
  )
  for (const [label, key, operand, positive] of ARRAY_FILTERS) {
    const where = { [key]: { [positive ? '$contains' : '$not_contains']: operand } }
    await r.oracle(
      `get where ${label}`,
      () => col.get({ where, include: [] }),
      async () => ({
        ids: ARRAY_RECORDS.filter((x) => containsValue(x.metadata?.[key], operand) === positive).map((x) => x.id),
        embeddings: null,
        documents: null,
        metadatas: null,
        uris: null,
        include: []
      }),
      { view: getView, note }
    )
  }
  const rejected = async (): Promise<never> => {
    throw new Error('rejected')
  }
  for (const [label, value] of [
    ['empty array', []],
    ['mixed-type array', [1, 'a']],
    ['nested array', [[1]]]
  ] as [string, unknown][]) {
    await r.oracle(
      `add ${label} is rejected`,
      () => col.add({ ids: ['bad'], embeddings: [[0, 0]], metadatas: [{ v: value }] }).then(() => 'ok'),
      rejected,
      { note }
    )
    // the step compares only "both threw": message texts for these are not pinned by the reference
    const last = r.steps[r.steps.length - 1]
    if (last) last.mode = 'throws'
  }
  if (chroma) await r.run('count', async () => ARRAY_RECORDS.length)
  else await r.run('count', () => col.count())
}

// ---------------------------------------------------------------------------------------------
// Persistence: the same answers after the client is closed and reopened (ours: a PersistentClient
// on disk; Chroma: the same server, nothing to reopen).

export function persistenceScenario(reopen: (client: DiffClient) => Promise<DiffClient>): Scenario {
  return async (first, r) => {
    let client = first
    const set = makeRecords(21, 600, 16)
    const queries = vectors(seededRandom(77), 4, 16)
    const cos = await create(client, r, 'persist-cos', {
      configuration: { hnsw: { space: 'cosine' } },
      metadata: { v: 1 }
    })
    const l2 = await create(client, r, 'persist-l2')
    await addAll(cos, r, 'cos', set, 300)
    await addAll(l2, r, 'l2', makeRecords(22, 200, 3))
    await r.write('cos delete some', () => cos.delete({ where: { n: 4 } }))
    await r.write('cos upsert some', () =>
      cos.upsert({ ids: set.ids.slice(0, 30), embeddings: vectors(seededRandom(3), 30, 16) })
    )
    await r.write('l2 update metadata', () =>
      l2.update({ ids: ['id-0001', 'id-0002'], metadatas: [{ n: 100 }, { n: null }] })
    )
    const check = async (when: string): Promise<void> => {
      const c = r.need(
        await r.run(
          `${when}: getCollection cos`,
          () => client.getCollection({ name: 'persist-cos', embeddingFunction: ef() }),
          {
            view: collectionView
          }
        ),
        'persist-cos'
      )
      const l = r.need(
        await r.run(
          `${when}: getCollection l2`,
          () => client.getCollection({ name: 'persist-l2', embeddingFunction: ef() }),
          {
            view: collectionView
          }
        ),
        'persist-l2'
      )
      await r.run(`${when}: counts`, async () => [await c.count(), await l.count()])
      await r.run(`${when}: get cos`, () => c.get({ include: ALL, limit: 50, offset: 20 }), { view: getView })
      await r.run(
        `${when}: get l2 where`,
        () => l.get({ where: { n: { $gte: 5 } }, include: ['metadatas', 'documents'] }),
        {
          view: getView
        }
      )
      await r.run(
        `${when}: query cos`,
        () => c.query({ queryEmbeddings: queries, nResults: 10, include: ['distances', 'metadatas'] }),
        {
          mode: 'query',
          view: queryView
        }
      )
      await r.run(
        `${when}: query cos filtered`,
        () => c.query({ queryEmbeddings: queries, nResults: 5, where: { cat: 'blue' }, include: ['distances'] }),
        { mode: 'query', view: queryView }
      )
    }
    await check('before reopen')
    client = await reopen(client)
    await check('after reopen')
    // writes after reopening land in the same collections
    const again = r.need(await client.getCollection({ name: 'persist-cos', embeddingFunction: ef() }), 'persist-cos')
    await r.write('add after reopen', () =>
      again.add({ ids: ['new-1'], embeddings: [queries[0] ?? []], documents: ['fresh'] })
    )
    await r.run(
      'query finds the new record first',
      () => again.query({ queryEmbeddings: [queries[0] ?? []], nResults: 2, include: ['documents', 'distances'] }),
      {
        mode: 'query',
        view: queryView
      }
    )
    await client.deleteCollection({ name: 'persist-cos' })
    await client.deleteCollection({ name: 'persist-l2' })
  }
}
