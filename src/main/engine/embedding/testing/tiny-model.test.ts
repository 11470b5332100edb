import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, describe, expect, it } from 'vitest'
import { createTinyModel, TINY_HIDDEN_SIZE, tinyVocabulary } from './tiny-model.js'

const { onnx } = onnxProto
const roots: string[] = []
const tempRoot = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiny-model-'))
  roots.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true })
})

const FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']

describe('createTinyModel', () => {
  it('writes byte-identical files on every run', async () => {
    const first = await createTinyModel(tempRoot())
    const second = await createTinyModel(tempRoot())
    expect(first).not.toBe(second)
    expect(readdirSync(first).sort()).toEqual(['config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json'])
    for (const file of FILES) {
      const a = readFileSync(path.join(first, file))
      const b = readFileSync(path.join(second, file))
      expect(a.length, file).toBeGreaterThan(0)
      expect(a.equals(b), file).toBe(true)
    }
  })

  it('builds an opset-17 BERT graph whose initializers are all used', async () => {
    const dir = await createTinyModel(tempRoot())
    const model = onnx.ModelProto.decode(readFileSync(path.join(dir, 'onnx', 'model.onnx')))
    expect(model.opsetImport.map((o) => Number(o.version))).toEqual([17])
    expect(model.graph).toBeTruthy()
    const graph = model.graph as onnxProto.onnx.GraphProto
    expect(graph.input.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids'])
    expect(graph.output.map((o) => o.name)).toEqual(['last_hidden_state'])
    const opTypes = new Set(graph.node.map((n) => n.opType))
    for (const required of ['Erf', 'Softmax', 'MatMul', 'LayerNormalization', 'Gather'])
      expect(opTypes).toContain(required)
    const used = new Set(graph.node.flatMap((n) => n.input))
    const unused = graph.initializer.filter((t) => !used.has(t.name)).map((t) => t.name)
    expect(unused).toEqual([])
    const word = graph.initializer.find((t) => t.name === 'embeddings.word')
    expect((word as onnxProto.onnx.TensorProto).dims.map(Number)).toEqual([tinyVocabulary().length, TINY_HIDDEN_SIZE])
  })

  it('has a WordPiece vocabulary of a few hundred tokens with the BERT special tokens', async () => {
    const dir = await createTinyModel(tempRoot())
    const tokenizer = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as {
      model: { type: string; vocab: Record<string, number> }
    }
    const config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>
    expect(tokenizer.model.type).toBe('WordPiece')
    const vocab = tokenizer.model.vocab
    for (const token of ['[CLS]', '[SEP]', '[PAD]', '[UNK]', 'the', 'water', 'database'])
      expect(vocab).toHaveProperty(token)
    expect(vocab['[PAD]']).toBe(0)
    expect(Object.keys(vocab).length).toBeGreaterThan(200)
    expect(config.tokenizer_class).toBe('BertTokenizer')
    expect(config.model_max_length).toBe(512)
  })
})
