import { describe, expect, it } from 'vitest'
import { uploadFile } from './read-file'
import type { Transport } from './transport'

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string): number[] => Array.from(atob(text), (c) => c.charCodeAt(0))

describe('uploadFile', () => {
  it('sends a file in parts, each appending to the last, and the server gets the same bytes', async () => {
    const staged = new Map<string, number[]>()
    const calls: { uploadId?: string; append?: boolean; bytes: number }[] = []
    const call = (async (
      _channel: string,
      input: { uploadId?: string; files: { name: string; data: string; append?: boolean }[] }
    ) => {
      const [f] = input.files
      if (!f) throw new Error('no file')
      const bytes = fromBase64(f.data)
      calls.push({
        ...(input.uploadId ? { uploadId: input.uploadId } : {}),
        ...(f.append ? { append: true } : {}),
        bytes: bytes.length
      })
      staged.set(f.name, f.append ? [...(staged.get(f.name) ?? []), ...bytes] : bytes)
      return { uploadId: 'u1', files: [f.name] }
    }) as unknown as Transport['call']
    const content = Uint8Array.from({ length: 25 }, (_, i) => i * 7)
    const read = async (part: Blob) => toBase64(new Uint8Array(await part.arrayBuffer()))
    const id = await uploadFile(call, new Blob([content]), 'big.bin', { partBytes: 10, read })
    expect(id).toBe('u1')
    expect(calls).toEqual([
      { bytes: 10 },
      { uploadId: 'u1', append: true, bytes: 10 },
      { uploadId: 'u1', append: true, bytes: 5 }
    ])
    expect(staged.get('big.bin')).toEqual(Array.from(content))
  })

  it('sends an empty file as one call', async () => {
    const seen: unknown[] = []
    const call = (async (_c: string, input: unknown) => {
      seen.push(input)
      return { uploadId: 'u2', files: ['e'] }
    }) as unknown as Transport['call']
    await uploadFile(call, new Blob([]), 'e', { read: async () => '' })
    expect(seen).toEqual([{ files: [{ name: 'e', data: '' }] }])
  })
})
