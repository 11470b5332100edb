// The Map tab's calls (issue #15); the work is in ../map.ts.
import type { Handlers } from '../dispatch.js'
import type { AppContext } from '../context.js'

type MapHandlers = Pick<
  Handlers,
  'collections.mapStart' | 'collections.mapLayout' | 'collections.mapValues' | 'collections.mapMatch'
>

export function mapHandlers(ctx: AppContext): MapHandlers {
  return {
    'collections.mapStart': ({ connection, collectionId, recompute }) =>
      ctx.maps.start(connection, collectionId, recompute ?? false),
    'collections.mapLayout': ({ connection, collectionId }) => ctx.maps.layout(connection, collectionId),
    'collections.mapValues': ({ connection, collectionId, key }) => ctx.maps.values(connection, collectionId, key),
    'collections.mapMatch': ({ connection, collectionId, where, whereDocument }) =>
      ctx.maps.match(connection, collectionId, where ?? undefined, whereDocument ?? undefined)
  }
}
