import { LOCAL_CONNECTION } from '../../../shared/constants.js'
import { UnimplementedError } from '../../engine/index.js'

/** Refuses calls that only this computer's database answers (Chroma's API has no such call). */
export function localOnly(connection: string | undefined, what: string): void {
  if (connection !== undefined && connection !== LOCAL_CONNECTION) {
    throw new UnimplementedError(`${what} works on this computer's database only: Chroma's API has no such call.`)
  }
}
