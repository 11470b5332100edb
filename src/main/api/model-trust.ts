// Which embedding models the app loads for a collection (docs/decisions/0040). A collection's
// configuration only names a model, and anyone who reaches Chroma's API, a Chroma server we connect to
// or a file we import can write one. So the app loads and downloads only:
//   - Chroma's default model (Xenova/all-MiniLM-L6-v2),
//   - models its user chose in the app: collections.create records them in the data directory's
//     SQLite (ChromaDatabase.trustModel), so they stay allowed with the data they were chosen for,
//   - models the operator of the headless server named with --allow-model, for that run.
// The engine consults this through its `trust` embedding option and knows nothing of where it lives.
import { DEFAULT_MODEL, modelReference, parseModelRef, type ModelTrust } from '../engine/embedding/index.js'
import type { ChromaDatabase } from '../engine/index.js'

/** A model as a person typed it, as stored and compared: a checked hub id or absolute folder. */
function checkedReference(input: string): string {
  const reference = modelReference(input)
  parseModelRef(reference)
  return reference
}

export class AppModelTrust implements ModelTrust {
  readonly howToAllow =
    'To allow it, choose it in Chromadesk: name it as the embedding model of a new collection (window or ' +
    'browser UI), or start the headless server with --allow-model <model>.'
  private readonly operator: ReadonlySet<string>

  constructor(
    /** The data directory's database, where the user's choices are recorded. */
    private readonly record: () => ChromaDatabase,
    /** --allow-model: hub ids or folders (relative ones against the working directory). */
    operatorModels: readonly string[] = []
  ) {
    this.operator = new Set(operatorModels.map(checkedReference))
  }

  allows(model: string): boolean {
    return model === DEFAULT_MODEL || this.operator.has(model) || this.record().isTrustedModel(model)
  }

  /**
   * The model as it would be stored (a folder made absolute). Throws InvalidArgumentError for anything
   * that is not a hub id or a folder path.
   */
  check(model: string): string {
    return checkedReference(model)
  }

  /** Records that the user chose this model in the app; returns it as stored. */
  allow(model: string): string {
    const reference = checkedReference(model)
    if (!this.allows(reference)) this.record().trustModel(reference)
    return reference
  }
}
