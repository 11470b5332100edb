/**
 * The sentence main adds to a missing model's error (api/errors.ts); the UI finds it there and offers a
 * link to the model manager (Settings → Embedding models).
 */
export const MODEL_MANAGER_HINT =
  ' In Chromadesk, Settings → Embedding models downloads a model or adds a model folder.'
