// How collection and client methods read their arguments, shared by the HTTP client (src/client) and
// the engine's client so both accept the same calls: an object of the newer clients (camelCase keys,
// snake_case accepted) or the 0.3 API's positional list. Pure: no engine, Node or browser imports, so
// the HTTP client still loads without native modules.

export type Args = Record<string, unknown>

/** An argument object of the newer API (as opposed to a positional first argument). */
export function isArgs(v: unknown): v is Args {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v)
}

/** The camelCase key, else its snake_case spelling. */
export function pick(a: Args, camel: string, snake?: string): unknown {
  return a[camel] !== undefined ? a[camel] : snake !== undefined ? a[snake] : undefined
}

/** 'a' -> ['a']; lists untouched; undefined/null stay. */
export function wrapStrings(v: unknown): unknown {
  return typeof v === 'string' ? [v] : v
}

/** {a: 1} (one metadata) -> [{a: 1}]. */
export function wrapMetadatas(v: unknown): unknown {
  return isArgs(v) ? [v] : v
}

/** get({ ... }) or get(ids?, where?, limit?, offset?, include?, where_document?). */
export function getArgs(first: unknown, rest: unknown[]): Args {
  if (isArgs(first)) return first
  return { ids: first, where: rest[0], limit: rest[1], offset: rest[2], include: rest[3], whereDocument: rest[4] }
}

/** query({ ... }) or query(query_embeddings, n_results?, where?, query_text?, where_document?, include?). */
export function queryArgs(first: unknown, rest: unknown[]): Args {
  if (isArgs(first)) return first
  return {
    queryEmbeddings: first,
    nResults: rest[0],
    where: rest[1],
    queryTexts: rest[2],
    whereDocument: rest[3],
    include: rest[4]
  }
}

/** delete({ ... }) or delete(ids?, where?, where_document?). */
export function deleteArgs(first: unknown, rest: unknown[]): Args {
  return isArgs(first) ? first : { ids: first, where: rest[0], whereDocument: rest[1] }
}

/** modify({ name, metadata, configuration }) or modify(name?, metadata?). */
export function modifyArgs(nameOrArgs: unknown, metadata: unknown): Args {
  return isArgs(nameOrArgs) ? nameOrArgs : { name: nameOrArgs, metadata }
}

/** createCollection / getOrCreateCollection({ name, metadata, configuration, embeddingFunction }) or (name, metadata?, ef?). */
export function createCollectionArgs(nameOrArgs: unknown, metadata: unknown, embeddingFunction: unknown): Args {
  return isArgs(nameOrArgs) ? nameOrArgs : { name: nameOrArgs, metadata, embeddingFunction }
}

/** getCollection({ name, embeddingFunction }) or getCollection(name, ef?). */
export function getCollectionArgs(nameOrArgs: unknown, embeddingFunction: unknown): Args {
  return isArgs(nameOrArgs) ? nameOrArgs : { name: nameOrArgs, embeddingFunction }
}

/** create/get/deleteDatabase({ name, tenant }) or (name, tenant?). */
export function databaseArgs(nameOrArgs: unknown, tenant: unknown): Args {
  return isArgs(nameOrArgs) ? nameOrArgs : { name: nameOrArgs, tenant }
}

/** peek({ limit }) or peek(limit). */
export function peekLimit(limitOrArgs: unknown): unknown {
  return isArgs(limitOrArgs) ? limitOrArgs.limit : limitOrArgs
}

/** A method whose object form is `{ name, ... }` and whose positional form is (name, ...others): the name. */
export function nameOf(nameOrArgs: unknown): unknown {
  return isArgs(nameOrArgs) ? nameOrArgs.name : nameOrArgs
}
