// hnswlib-node is CommonJS with `module.exports = addon`, so under ESM only the default import works
// (named imports cannot be detected by Node's CJS lexer).
import hnswlib from 'hnswlib-node'

export type NativeHnsw = InstanceType<typeof hnswlib.HierarchicalNSW>
export const HierarchicalNSW = hnswlib.HierarchicalNSW
