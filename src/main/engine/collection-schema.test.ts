import { describe, expect, it } from 'vitest'
import { configurationWithSchema, schemaForCopy, validateCollectionSchema } from './collection-schema.js'

const vector = (config: Record<string, unknown>) => ({ float_list: { vector_index: { enabled: true, config } } })

describe('collection schema and configuration', () => {
  it("Chroma's default function or l2 in the configuration is no conflict; anything else is", () => {
    const schema = validateCollectionSchema({ defaults: vector({ space: 'ip' }), keys: {} })
    const dflt = { type: 'known', name: 'default', config: {} }
    expect(configurationWithSchema({ embedding_function: dflt, hnsw: { space: 'l2' } }, schema)).toEqual({
      embedding_function: { type: 'legacy' },
      hnsw: { space: 'ip' }
    })
    for (const cfg of [{ embedding_function: { type: 'legacy' } }, { hnsw: { ef_search: 20 } }]) {
      expect(() => configurationWithSchema(cfg, schema)).toThrow('Cannot set both collection config and schema')
    }
    // A schema that sets nothing keeps the configuration's function.
    const plain = validateCollectionSchema({ defaults: vector({ embedding_function: { type: 'legacy' } }), keys: {} })
    expect(configurationWithSchema({ embedding_function: dflt }, plain)?.embedding_function).toEqual(dflt)
  })

  it('#embedding overrides the defaults field by field', () => {
    const schema = validateCollectionSchema({
      defaults: vector({ space: 'cosine', hnsw: { ef_search: 50 } }),
      keys: { '#embedding': vector({ space: 'ip', source_key: '#document' }) }
    })
    expect(configurationWithSchema(undefined, schema)?.hnsw).toEqual({ ef_search: 50, space: 'ip' })
  })

  it('a copy keeps the schema when its configuration agrees, and follows a changed function or space', () => {
    const ef = { type: 'known', name: 'm1', config: {} }
    const schema = validateCollectionSchema({
      defaults: vector({ embedding_function: ef }),
      keys: { '#embedding': vector({ embedding_function: ef }), note: { string: {} } }
    })!
    expect(schemaForCopy(schema, { embedding_function: ef, hnsw: { space: 'l2' } })).toBe(schema)
    const ef2 = { type: 'known', name: 'm2', config: { dim: 8 } }
    const moved = schemaForCopy(schema, { embedding_function: ef2, hnsw: { space: 'cosine' } })
    expect(moved.defaults).toEqual(vector({ embedding_function: ef2, space: 'cosine' }))
    expect(moved.keys['#embedding']).toEqual(vector({ embedding_function: ef2, space: 'cosine' }))
    expect(moved.keys.note).toEqual({ string: {} })
    expect(schema.defaults).toEqual(vector({ embedding_function: ef })) // the source is not touched
  })
})
