import type HnswlibModule from 'hnswlib-node'
import { loadNative } from '../native.js'

const hnswlib = loadNative<typeof HnswlibModule>('hnswlib-node')

export type NativeHnsw = InstanceType<typeof hnswlib.HierarchicalNSW>
export const HierarchicalNSW = hnswlib.HierarchicalNSW
