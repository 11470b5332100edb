// What the suite imports from '@chroma-core/default-embed' (aliased in vitest.config.ts; the client
// also imports it by that name). The real package pulls in @huggingface/transformers and onnxruntime;
// this one has the same name, configuration and spaces, and embeds with the engine's default model
// (the same all-MiniLM-L6-v2) through the transformers.js the app already ships. The suite passes
// it to getCollection and never asks it to embed.
import { defaultEmbeddingFunction } from '../../../engine/embedding/index.js'

interface DefaultEmbeddingFunctionConfig {
  model_name?: string
  revision?: string
  dtype?: string
  quantized?: boolean
}

export class DefaultEmbeddingFunction {
  readonly name = 'default'
  private readonly modelName: string
  private readonly revision: string
  private readonly quantized: boolean

  constructor(args: { modelName?: string; revision?: string; quantized?: boolean } = {}) {
    this.modelName = args.modelName ?? 'Xenova/all-MiniLM-L6-v2'
    this.revision = args.revision ?? 'main'
    this.quantized = args.quantized ?? false
  }

  static buildFromConfig(config: DefaultEmbeddingFunctionConfig): DefaultEmbeddingFunction {
    return new DefaultEmbeddingFunction({
      modelName: config.model_name,
      revision: config.revision,
      quantized: config.quantized
    })
  }

  async generate(texts: string[]): Promise<number[][]> {
    return defaultEmbeddingFunction().generate(texts)
  }

  defaultSpace(): 'cosine' {
    return 'cosine'
  }

  supportedSpaces(): Array<'cosine' | 'l2' | 'ip'> {
    return ['cosine', 'l2', 'ip']
  }

  getConfig(): DefaultEmbeddingFunctionConfig {
    return {
      model_name: this.modelName,
      revision: this.revision,
      dtype: this.quantized ? 'uint8' : 'fp32',
      quantized: this.quantized
    }
  }

  validateConfigUpdate(next: DefaultEmbeddingFunctionConfig): void {
    if (next.model_name !== undefined && next.model_name !== this.modelName) {
      throw new Error("The DefaultEmbeddingFunction's model cannot be changed after initialization.")
    }
  }
}
