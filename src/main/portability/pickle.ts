// Just enough of Python's pickle format to read Chroma's `index_metadata.pickle` (dicts of str/int,
// None). Anything else is refused rather than guessed: we never execute or construct objects.

type Value = null | boolean | number | bigint | string | Value[] | Map<Value, Value>

const MARK = Symbol('mark')

export function readPickle(data: Buffer): Value {
  const stack: (Value | typeof MARK)[] = []
  const memo = new Map<number, Value>()
  let pos = 0
  const u8 = (): number => data.readUInt8(pos++)
  const take = (n: number): Buffer => {
    if (pos + n > data.length) throw new Error('pickle ends early')
    const b = data.subarray(pos, pos + n)
    pos += n
    return b
  }
  const popMark = (): Value[] => {
    const items: Value[] = []
    for (;;) {
      const v = stack.pop()
      if (v === undefined) throw new Error('pickle MARK missing')
      if (v === MARK) return items.reverse()
      items.push(v)
    }
  }
  const top = (): Value => stack[stack.length - 1] as Value
  for (;;) {
    const op = u8()
    switch (op) {
      case 0x80: // PROTO
        u8()
        break
      case 0x95: // FRAME
        take(8)
        break
      case 0x2e: // STOP
        return stack.pop() as Value
      case 0x7d: // EMPTY_DICT
        stack.push(new Map())
        break
      case 0x5d: // EMPTY_LIST
        stack.push([])
        break
      case 0x28: // MARK
        stack.push(MARK)
        break
      case 0x4e: // NONE
        stack.push(null)
        break
      case 0x88: // NEWTRUE
        stack.push(true)
        break
      case 0x89: // NEWFALSE
        stack.push(false)
        break
      case 0x4a: // BININT
        stack.push(take(4).readInt32LE(0))
        break
      case 0x4b: // BININT1
        stack.push(u8())
        break
      case 0x4d: // BININT2
        stack.push(take(2).readUInt16LE(0))
        break
      case 0x8a: {
        // LONG1: little-endian two's complement
        const b = take(u8())
        let v = 0n
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number)
        if (b.length > 0 && ((b[b.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length)
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)
        break
      }
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(take(8).readDoubleBE(0))
        break
      case 0x58: // BINUNICODE
        stack.push(take(take(4).readUInt32LE(0)).toString('utf8'))
        break
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'))
        break
      case 0x94: // MEMOIZE
        memo.set(memo.size, top())
        break
      case 0x71: // BINPUT
        memo.set(u8(), top())
        break
      case 0x72: // LONG_BINPUT
        memo.set(take(4).readUInt32LE(0), top())
        break
      case 0x68: // BINGET
        stack.push(memo.get(u8()) as Value)
        break
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(take(4).readUInt32LE(0)) as Value)
        break
      case 0x73: {
        // SETITEM
        const v = stack.pop() as Value
        const k = stack.pop() as Value
        ;(top() as Map<Value, Value>).set(k, v)
        break
      }
      case 0x75: {
        // SETITEMS
        const items = popMark()
        const d = top() as Map<Value, Value>
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i] as Value, items[i + 1] as Value)
        break
      }
      case 0x65: {
        // APPENDS
        const items = popMark()
        ;(top() as Value[]).push(...items)
        break
      }
      default:
        throw new Error(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`)
    }
  }
}
