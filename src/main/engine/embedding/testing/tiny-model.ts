// A tiny but real BERT encoder (by default 1 layer, hidden 32, 2 heads) written as ONNX, with a WordPiece
// tokenizer, so tests and benchmarks can run the real transformers.js path without downloading weights.
// Weights come from a seeded integer PRNG (uniform, no Math.log/cos) so every run writes identical bytes.
//
// CLI: npx tsx src/main/engine/embedding/testing/tiny-model.ts <dir>   (prints the model folder path)
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import onnxProto from 'onnx-proto'
import { seededRandom } from '../../testing/synthetic.js'

const { onnx } = onnxProto

export const TINY_HIDDEN_SIZE = 32

/** The default is the tiny test model; the benchmark also builds a MiniLM-shaped one (6 × 384, 12 heads). */
export interface TinyModelShape {
  /** Folder name under the target directory. */
  name: string
  layers: number
  hiddenSize: number
  heads: number
}

export const TINY_MODEL_SHAPE: TinyModelShape = { name: 'tiny-bert', layers: 1, hiddenSize: TINY_HIDDEN_SIZE, heads: 2 }
export const MINILM_SHAPE: TinyModelShape = { name: 'minilm-shaped-bert', layers: 6, hiddenSize: 384, heads: 12 }
// Must not exceed the position table, or onnxruntime fails with a broadcast error on long inputs.
const MAX_POSITIONS = 512
const LAYER_NORM_EPS = 1e-12
const SEED = 0x5eed1234

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const

// Common English words (whole-word tokens) and suffix pieces; everything else falls back to letters.
const WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this
from or had by not word but what some we can out other were all there when up use your how said an each
she which do their time if will way about many then them write would like so these her long make thing
see him two has look more day could go come did number sound no most people my over know water than call
first who may down side been now find any new work part take get place made live where after back little
only round man year came show every good me give our under name very through just form sentence great
think say help low line differ turn cause much mean before move right boy old too same tell does set three
want air well also play small end put home read hand port large spell add even land here must big high such
follow act why ask men change went light kind off need house picture try us again animal point mother world
near build self earth father head stand own page should country found answer school grow study still learn
plant cover food sun four between state keep eye never last let thought city tree cross farm hard start
might story saw far sea draw left late run while press close night real life few north open seem together
next white children begin got walk example ease paper group always music those both mark often letter until
mile river car feet care second book carry took science eat room friend began idea fish mountain stop once
base hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red list
though feel talk bird soon body dog family direct pose leave song measure door product black short numeral
class wind question happen complete ship area half rock order fire south problem piece told knew pass since
top whole king space heard best hour better true during hundred five remember step early hold west ground
interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay
against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice
unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green quick develop ocean
warm free minute strong special mind behind clear tail produce fact street inch multiply nothing course stay
wheel full force blue object decide surface deep moon island foot system busy test record boat common gold
possible plane instead dry wonder laugh thousand ago ran check game shape equate hot miss brought heat snow
tire bring yes distant fill east paint language among cat database vector search query embedding document
computer data model`
  .split(/\s+/)
  .filter((word) => word.length > 0)
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'ly', 'er', 'est', 'ion', 'al', 'ness']
const PUNCTUATION = [...'.,;:!?\'"()-/&%$#@*+=<>[]{}_']

export function tinyVocabulary(): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS]
  const seen = new Set(vocab)
  const add = (token: string): void => {
    if (!seen.has(token)) {
      seen.add(token)
      vocab.push(token)
    }
  }
  for (const char of 'abcdefghijklmnopqrstuvwxyz0123456789') {
    add(char)
    add(`##${char}`)
  }
  for (const char of PUNCTUATION) add(char)
  for (const suffix of SUFFIXES) add(`##${suffix}`)
  for (const word of WORDS) add(word)
  return vocab
}

type TensorSpec =
  { name: string; dims: number[]; data: Float32Array } | { name: string; dims: number[]; ints: number[] }

function floatTensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  }
}

function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)))
  return {
    name,
    dims,
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer)
  }
}

function buildGraph(vocabSize: number, shape: TinyModelShape): onnxProto.onnx.IModelProto {
  const random = seededRandom(SEED)
  const uniform = (count: number, scale: number): Float32Array => {
    const out = new Float32Array(count)
    for (let i = 0; i < count; i++) out[i] = (random() * 2 - 1) * scale
    return out
  }
  const filled = (count: number, value: number): Float32Array => new Float32Array(count).fill(value)

  const H = shape.hiddenSize
  const headSize = H / shape.heads
  const intermediateSize = 4 * H
  const specs: TensorSpec[] = []
  const weight = (name: string, dims: number[], data: Float32Array): string => {
    specs.push({ name, dims, data })
    return name
  }
  const ints = (name: string, dims: number[], values: number[]): string => {
    specs.push({ name, dims, ints: values })
    return name
  }

  const nodes: onnxProto.onnx.INodeProto[] = []
  let counter = 0
  const op = (
    opType: string,
    inputs: string[],
    attributes: onnxProto.onnx.IAttributeProto[] = [],
    output?: string
  ): string => {
    const out = output ?? `t${counter++}_${opType.toLowerCase()}`
    nodes.push({ opType, input: inputs, output: [out], name: `n${nodes.length}_${opType}`, attribute: attributes })
    return out
  }
  const intAttr = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INT,
    i: value
  })
  const intsAttr = (name: string, values: number[]): onnxProto.onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INTS,
    ints: values
  })
  const floatAttr = (name: string, value: number): onnxProto.onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.FLOAT,
    f: value
  })

  const layerNorm = (x: string, prefix: string, output?: string): string =>
    op(
      'LayerNormalization',
      [x, weight(`${prefix}.gamma`, [H], filled(H, 1)), weight(`${prefix}.beta`, [H], filled(H, 0))],
      [intAttr('axis', -1), floatAttr('epsilon', LAYER_NORM_EPS)],
      output
    )
  const dense = (x: string, prefix: string, inSize: number, outSize: number): string => {
    const scale = 1 / Math.sqrt(inSize)
    const product = op('MatMul', [x, weight(`${prefix}.weight`, [inSize, outSize], uniform(inSize * outSize, scale))])
    return op('Add', [product, weight(`${prefix}.bias`, [outSize], uniform(outSize, 0.02))])
  }

  // Embeddings: word + position + token type, then LayerNorm. Large word embeddings keep word identity
  // dominant, which is what lets overlapping sentences land close together.
  const wordEmbeddings = op('Gather', [
    weight('embeddings.word', [vocabSize, H], uniform(vocabSize * H, 1)),
    'input_ids'
  ])
  const seqLength = op('Gather', [op('Shape', ['input_ids']), ints('const.one_scalar', [], [1])], [intAttr('axis', 0)])
  const positionIds = op('Range', [ints('const.zero_scalar', [], [0]), seqLength, 'const.one_scalar'])
  const positionEmbeddings = op('Gather', [
    weight('embeddings.position', [MAX_POSITIONS, H], uniform(MAX_POSITIONS * H, 0.1)),
    positionIds
  ])
  const typeEmbeddings = op('Gather', [weight('embeddings.token_type', [2, H], uniform(2 * H, 0.1)), 'token_type_ids'])
  const embeddings = layerNorm(
    op('Add', [op('Add', [wordEmbeddings, positionEmbeddings]), typeEmbeddings]),
    'embeddings.norm'
  )

  // Constants shared by all layers.
  const splitHeads = ints('const.split_heads', [4], [0, 0, shape.heads, headSize])
  const mergeHeads = ints('const.merge_heads', [3], [0, 0, H])
  const attentionScale = weight('const.attention_scale', [], new Float32Array([1 / Math.sqrt(headSize)]))
  const one = weight('const.one', [], new Float32Array([1]))
  const half = weight('const.half', [], new Float32Array([0.5]))
  const invSqrt2 = weight('const.inv_sqrt2', [], new Float32Array([Math.SQRT1_2]))
  // Padding is masked by adding -10000 to the attention scores of padded keys, as BERT does.
  const maskFloat = op('Cast', ['attention_mask'], [intAttr('to', onnx.TensorProto.DataType.FLOAT)])
  const maskBias = op('Mul', [op('Sub', [one, maskFloat]), weight('const.mask_value', [], new Float32Array([-10000]))])
  const maskBias4d = op('Unsqueeze', [maskBias, ints('const.mask_axes', [2], [1, 2])])

  let hidden = embeddings
  for (let layer = 0; layer < shape.layers; layer++) {
    const prefix = `layer${layer}`
    const input = hidden
    const heads = (name: string, perm: number[]): string =>
      op(
        'Transpose',
        [op('Reshape', [dense(input, `${prefix}.attention.${name}`, H, H), splitHeads])],
        [intsAttr('perm', perm)]
      )
    const query = heads('query', [0, 2, 1, 3])
    const keyTransposed = heads('key', [0, 2, 3, 1])
    const value = heads('value', [0, 2, 1, 3])
    const scores = op('Mul', [op('MatMul', [query, keyTransposed]), attentionScale])
    const probabilities = op('Softmax', [op('Add', [scores, maskBias4d])], [intAttr('axis', -1)])
    const context = op('Reshape', [
      op('Transpose', [op('MatMul', [probabilities, value])], [intsAttr('perm', [0, 2, 1, 3])]),
      mergeHeads
    ])
    const attentionOutput = layerNorm(
      op('Add', [dense(context, `${prefix}.attention.output`, H, H), input]),
      `${prefix}.attention.norm`
    )

    // Feed-forward with exact GELU built from Erf (no Gelu op before opset 20).
    const intermediate = dense(attentionOutput, `${prefix}.ffn.intermediate`, H, intermediateSize)
    const erf = op('Erf', [op('Mul', [intermediate, invSqrt2])])
    const gelu = op('Mul', [op('Mul', [intermediate, half]), op('Add', [erf, one])])
    const ffnOutput = dense(gelu, `${prefix}.ffn.output`, intermediateSize, H)
    const isLast = layer === shape.layers - 1
    hidden = layerNorm(
      op('Add', [ffnOutput, attentionOutput]),
      `${prefix}.output.norm`,
      isLast ? 'last_hidden_state' : undefined
    )
  }

  // Emit only initializers some node reads (onnxruntime warns about unused ones).
  const used = new Set(nodes.flatMap((node) => node.input ?? []))
  const initializers = specs
    .filter((spec) => used.has(spec.name))
    .map((spec) =>
      'data' in spec ? floatTensor(spec.name, spec.dims, spec.data) : int64Tensor(spec.name, spec.dims, spec.ints)
    )

  const tokenInput = (name: string): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.INT64,
        shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }] }
      }
    }
  })

  return {
    irVersion: 8,
    producerName: 'chromadesk-tiny-model',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny_bert',
      node: nodes,
      initializer: initializers,
      input: [tokenInput('input_ids'), tokenInput('attention_mask'), tokenInput('token_type_ids')],
      output: [
        {
          name: 'last_hidden_state',
          type: {
            tensorType: {
              elemType: onnx.TensorProto.DataType.FLOAT,
              shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: H }] }
            }
          }
        }
      ]
    }
  }
}

function tokenizerJson(vocab: string[]): unknown {
  const id = (token: string): number => vocab.indexOf(token)
  const special = (token: string): unknown => ({ id: token, ids: [id(token)], tokens: [token] })
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } }
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } }
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') }
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, index) => [token, index]))
    }
  }
}

/** Writes the model into `<dir>/<shape.name>/` (default `tiny-bert`) and returns that folder's absolute path. */
export async function createTinyModel(dir: string, shape: TinyModelShape = TINY_MODEL_SHAPE): Promise<string> {
  if (!Number.isInteger(shape.hiddenSize / shape.heads) || shape.layers < 1) throw new RangeError('invalid model shape')
  const modelDir = path.resolve(dir, shape.name)
  mkdirSync(path.join(modelDir, 'onnx'), { recursive: true })
  const vocab = tinyVocabulary()
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

  writeFileSync(
    path.join(modelDir, 'config.json'),
    json({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: shape.hiddenSize,
      num_hidden_layers: shape.layers,
      num_attention_heads: shape.heads,
      intermediate_size: 4 * shape.hiddenSize,
      hidden_act: 'gelu',
      max_position_embeddings: MAX_POSITIONS,
      type_vocab_size: 2,
      vocab_size: vocab.length,
      layer_norm_eps: LAYER_NORM_EPS,
      pad_token_id: 0
    })
  )
  writeFileSync(path.join(modelDir, 'tokenizer.json'), json(tokenizerJson(vocab)))
  writeFileSync(
    path.join(modelDir, 'tokenizer_config.json'),
    json({
      tokenizer_class: 'BertTokenizer',
      // Required by transformers.js padding; must not exceed the position table.
      model_max_length: MAX_POSITIONS,
      do_lower_case: true,
      clean_up_tokenization_spaces: true,
      unk_token: '[UNK]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      cls_token: '[CLS]',
      mask_token: '[MASK]'
    })
  )
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(buildGraph(vocab.length, shape))).finish()
  writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), bytes)
  return modelDir
}

const invokedPath = process.argv[1]
if (invokedPath !== undefined && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  const target = process.argv[2]
  if (target === undefined) {
    console.error('usage: npx tsx src/main/engine/embedding/testing/tiny-model.ts <dir>')
    process.exit(2)
  }
  console.log(await createTinyModel(target))
}
