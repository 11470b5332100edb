import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import {
  checkRevision,
  DEFAULT_MODEL,
  DEFAULT_MODEL_TRUST,
  modelReference,
  parseEmbeddingConfig,
  parseModelRef
} from './model-ref.js'

const folder = path.resolve('/models/tiny-bert')

function refusal(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError)
    return error as Error
  }
  throw new Error('expected a refusal')
}

describe('parseModelRef', () => {
  it.each([DEFAULT_MODEL, 'a/b', 'org-1/name_2.v3', 'BAAI/bge-small-en-v1.5', `${'o'.repeat(96)}/${'n'.repeat(96)}`])(
    'accepts the hub id %s',
    (id) => {
      expect(parseModelRef(id)).toEqual({ kind: 'hub', id })
    }
  )

  it('accepts an absolute, normalized folder', () => {
    expect(parseModelRef(folder)).toEqual({ kind: 'local', folder })
  })

  it.each([
    ['../../x', /model folder "\.\.\/\.\.\/x" must be an absolute path/],
    ['..', /must be an absolute path/],
    ['./models/x', /must be an absolute path/],
    ['.hidden/name', /must be an absolute path/],
    ['org/../x', /neither a Hugging Face hub id/],
    ['org/na..me', /neither a Hugging Face hub id/],
    ['org/.name', /neither a Hugging Face hub id/],
    ['org/name.', /neither a Hugging Face hub id/],
    ['org/-name', /neither a Hugging Face hub id/],
    ['org/name/extra', /neither a Hugging Face hub id/],
    ['org/', /neither a Hugging Face hub id/],
    ['name-only', /neither a Hugging Face hub id/],
    ['', /neither a Hugging Face hub id/],
    ['org\\name', /neither a Hugging Face hub id/],
    ['org/na me', /neither a Hugging Face hub id/],
    ['org/name\n', /neither a Hugging Face hub id/],
    ['https://example.com/org/name', /neither a Hugging Face hub id/],
    ['org/name?revision=x', /neither a Hugging Face hub id/],
    ['org/name#x', /neither a Hugging Face hub id/],
    ['C:x/y', /neither a Hugging Face hub id/],
    [`${'o'.repeat(97)}/name`, /neither a Hugging Face hub id/],
    [`org/${'n'.repeat(97)}`, /neither a Hugging Face hub id/]
  ])('refuses %j', (model, message) => {
    const error = refusal(() => parseModelRef(model))
    expect(error.message).toMatch(/^Invalid embedding_function configuration: /)
    expect(error.message).toMatch(message)
  })

  it.each([
    `${folder}/../../etc`,
    `${folder}/./x`,
    `${folder}/`,
    `${folder}//x`,
    `${folder}\u0000x`,
    `${folder}\nx`,
    `${folder}\u007fx`,
    path.resolve('/', 'm'.repeat(1100))
  ])('refuses the folder %j', (model) => {
    expect(refusal(() => parseModelRef(model)).message).toMatch(/must be an absolute path without/)
  })

  it('cuts a long value short in the message', () => {
    const message = refusal(() => parseModelRef(`x${'y'.repeat(5000)}`)).message
    expect(message.length).toBeLessThan(600)
    expect(message).toContain('…')
  })
})

describe('checkRevision', () => {
  it.each(['main', 'v1.0', 'release_2', 'a'.repeat(128), '0123456789abcdef0123456789abcdef01234567'])(
    'accepts %s',
    (revision) => {
      expect(checkRevision(revision)).toBe(revision)
    }
  )

  it.each([
    '../../x',
    '..',
    '.',
    'a..b',
    'refs/pr/1',
    'feature/x',
    'x\\y',
    '.hidden',
    'main.',
    '-main',
    '',
    'ma in',
    'main\n',
    'main\u0000',
    '%2e%2e',
    'a'.repeat(129)
  ])('refuses %j', (revision) => {
    expect(refusal(() => checkRevision(revision)).message).toMatch(
      /^Invalid embedding_function configuration: revision .* is not a branch, tag or commit name/
    )
  })
})

describe('modelReference', () => {
  it('keeps hub ids and makes folders absolute against the working directory', () => {
    expect(modelReference(DEFAULT_MODEL)).toBe(DEFAULT_MODEL)
    expect(modelReference('./models/x')).toBe(path.resolve('models/x'))
    expect(modelReference('../x')).toBe(path.resolve('../x'))
    expect(modelReference(`${folder}/../other`)).toBe(path.resolve('/models/other'))
  })
})

describe('parseEmbeddingConfig', () => {
  it('returns null for what embeds nothing here', () => {
    expect(parseEmbeddingConfig(null)).toBeNull()
    expect(parseEmbeddingConfig(undefined)).toBeNull()
    expect(parseEmbeddingConfig({ type: 'legacy' })).toBeNull()
    // Other functions' configs are theirs: not read, not refused (their model is not ours to load).
    expect(parseEmbeddingConfig({ type: 'known', name: 'openai', config: { model: '../../x' } })).toBeNull()
    expect(parseEmbeddingConfig({ type: 'known', name: 'transformers', config: {} })).toBeNull()
  })

  it("reads Chroma's default, ours and the stored settings", () => {
    expect(parseEmbeddingConfig({ type: 'known', name: 'default', config: {} })).toEqual({
      model: DEFAULT_MODEL,
      revision: 'main',
      quantized: false,
      maxTokens: 256
    })
    expect(
      parseEmbeddingConfig({
        type: 'known',
        name: 'transformers',
        config: { model: folder, revision: 'v2', dtype: 'q8', max_tokens: 128 }
      })
    ).toEqual({ model: folder, revision: 'v2', quantized: true, maxTokens: 128 })
  })

  it.each([
    [{ model: '../../x' }, /model folder "\.\.\/\.\.\/x"/],
    [{ model: 'evil/../../x' }, /model "evil\/\.\.\/\.\.\/x" is neither/],
    [{ model: '' }, /model must be a non-empty string/],
    [{ model: 42 }, /model must be a non-empty string/],
    [{ model: DEFAULT_MODEL, revision: '../../x' }, /revision "\.\.\/\.\.\/x"/],
    [{ model: DEFAULT_MODEL, revision: 7 }, /revision must be a non-empty string/],
    // Without a model, 'transformers' embeds nothing; a bad revision is still refused.
    [{ revision: 'refs/pr/1' }, /revision "refs\/pr\/1"/]
  ])('refuses the config %j, under either name', (config, message) => {
    for (const name of ['default', 'transformers']) {
      expect(refusal(() => parseEmbeddingConfig({ type: 'known', name, config })).message).toMatch(message)
    }
  })
})

describe('DEFAULT_MODEL_TRUST', () => {
  it('allows only the default model', () => {
    expect(DEFAULT_MODEL_TRUST.allows(DEFAULT_MODEL)).toBe(true)
    expect(DEFAULT_MODEL_TRUST.allows('Xenova/other')).toBe(false)
    expect(DEFAULT_MODEL_TRUST.allows(folder)).toBe(false)
  })
})
