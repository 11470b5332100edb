import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaDatabase } from '../database.js'
import { InvalidArgumentError, InvalidFilterError } from '../errors.js'
import type { Metadata } from '../types.js'
import { parseWhere, parseWhereDocument } from './where.js'

// Filters are tested through the database: parsing, SQL compilation and the FTS/regex paths together.
let db: ChromaDatabase
let cid: string

const RECORDS: { id: string; md: Metadata | null; doc: string | null }[] = [
  { id: 'r1', md: { n: 1, s: 'a', b: true, tags: ['x', 'y'], f: 1.5 }, doc: 'Hello World' },
  { id: 'r2', md: { n: 2, s: 'b', b: false, nums: [1, 2, 3] }, doc: 'hello there' },
  { id: 'r3', md: { n: 2.5, s: 'A' }, doc: null },
  { id: 'r4', md: null, doc: 'ab' },
  { id: 'r5', md: { s: 'c', flags: [true] }, doc: '100% _sure "quoted" \\ back' }
]

beforeAll(() => {
  db = new ChromaDatabase()
  cid = db.createCollection({ tenant: 'default_tenant', database: 'default_database' }, { name: 'filters' }).id
  db.add(cid, {
    ids: RECORDS.map((r) => r.id),
    embeddings: RECORDS.map((_, i) => [i, 1]),
    metadatas: RECORDS.map((r) => r.md),
    documents: RECORDS.map((r) => r.doc)
  })
})
afterAll(() => db.close())

const where = (w: unknown): string[] => db.get(cid, { where: w as never }).ids
const whereDoc = (w: unknown): string[] => db.get(cid, { where_document: w as never }).ids

describe('where: equality and types', () => {
  it('scalar shorthand is $eq', () => {
    expect(where({ n: 1 })).toEqual(['r1'])
    expect(where({ s: 'a' })).toEqual(['r1']) // case-sensitive
    expect(where({ b: true })).toEqual(['r1'])
    expect(where({ b: false })).toEqual(['r2'])
  })
  it('$eq matches int and float numerically, strings and bools only their type', () => {
    expect(where({ n: { $eq: 2 } })).toEqual(['r2'])
    expect(where({ n: { $eq: true } })).toEqual([])
    expect(where({ s: { $eq: 1 } })).toEqual([])
    expect(where({ b: { $eq: 1 } })).toEqual([])
  })
  it('a float operand is truncated against int-stored values (Chroma 1.x quirk)', () => {
    expect(where({ n: { $eq: 1.5 } })).toEqual(['r1'])
    expect(where({ n: { $eq: 2.5 } })).toEqual(['r2', 'r3'])
    expect(where({ n: { $gte: 1.5 } })).toEqual(['r1', 'r2', 'r3'])
    expect(where({ n: { $lt: 1.5 } })).toEqual([])
    expect(where({ f: { $eq: 1.5 } })).toEqual(['r1'])
    expect(where({ f: { $eq: 1 } })).toEqual([])
  })
  it('$ne matches records lacking the key and of another type', () => {
    expect(where({ n: { $ne: 1 } })).toEqual(['r2', 'r3', 'r4', 'r5'])
    expect(where({ b: { $ne: true } })).toEqual(['r2', 'r3', 'r4', 'r5'])
    expect(where({ s: { $ne: 1 } })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
  })
})

describe('where: comparisons and sets', () => {
  it('$gt $gte $lt $lte need the key and compare int and float columns', () => {
    expect(where({ n: { $gt: 1 } })).toEqual(['r2', 'r3'])
    expect(where({ n: { $gte: 2 } })).toEqual(['r2', 'r3'])
    // int 2 < trunc(2.5) is false: the truncation quirk again
    expect(where({ n: { $lt: 2.5 } })).toEqual(['r1'])
    expect(where({ n: { $lte: 2.5 } })).toEqual(['r1', 'r2', 'r3'])
    expect(where({ s: { $gt: 0 } })).toEqual([])
  })
  it('$in / $nin', () => {
    expect(where({ n: { $in: [2, 3] } })).toEqual(['r2'])
    expect(where({ n: { $in: [2.5] } })).toEqual(['r2', 'r3'])
    expect(where({ s: { $in: ['a', 'b'] } })).toEqual(['r1', 'r2'])
    expect(where({ b: { $in: [false] } })).toEqual(['r2'])
    expect(where({ n: { $nin: [1] } })).toEqual(['r2', 'r3', 'r4', 'r5'])
    expect(where({ s: { $nin: ['a', 'b', 'c'] } })).toEqual(['r3', 'r4'])
  })
  it('$in / $nin with ints and floats mixed: a float list (ints as they are, floats truncated on int-stored)', () => {
    expect(where({ n: { $in: [1, 2.5] } })).toEqual(['r1', 'r2', 'r3'])
    expect(where({ n: { $in: [2.5, 1] } })).toEqual(['r1', 'r2', 'r3'])
    expect(where({ n: { $in: [7, 1.5] } })).toEqual(['r1'])
    expect(where({ f: { $in: [1, 2.5] } })).toEqual([])
    expect(where({ n: { $nin: [1, 2.5] } })).toEqual(['r4', 'r5'])
  })
  it('$in accepts a very long list (bound as one parameter)', () => {
    const list = Array.from({ length: 50_000 }, (_, i) => `v${i}`).concat(['c'])
    expect(where({ s: { $in: list } })).toEqual(['r5'])
  })
})

describe('where: arrays', () => {
  it('$contains looks into arrays and at scalars', () => {
    expect(where({ tags: { $contains: 'x' } })).toEqual(['r1'])
    expect(where({ nums: { $contains: 2 } })).toEqual(['r2'])
    expect(where({ flags: { $contains: true } })).toEqual(['r5'])
    expect(where({ s: { $contains: 'a' } })).toEqual(['r1'])
  })
  it('$contains compares numbers exactly: no truncation of a float operand (Chroma 1.5)', () => {
    // $eq 2.5 matches the int 2 (the 1.0 quirk); $contains 2.5 does not match the element 2.
    expect(where({ nums: { $contains: 2.5 } })).toEqual([])
    expect(where({ n: { $contains: 2.5 } })).toEqual(['r3'])
    expect(where({ nums: { $not_contains: 2.5 } })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
  })
  it('$not_contains is the negation (missing key matches)', () => {
    expect(where({ tags: { $not_contains: 'x' } })).toEqual(['r2', 'r3', 'r4', 'r5'])
  })
  it('$eq compares scalars only, not array elements', () => {
    expect(where({ tags: 'x' })).toEqual([])
    expect(where({ tags: { $ne: 'x' } })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
  })
  it('arrays round-trip with type and order', () => {
    const md = db.get(cid, { ids: ['r1', 'r2', 'r5'] }).metadatas
    expect(md).toEqual([RECORDS[0]?.md, RECORDS[1]?.md, RECORDS[4]?.md])
  })
})

describe('where: composition', () => {
  it('$and / $or nest', () => {
    expect(where({ $and: [{ n: { $gte: 1 } }, { s: { $ne: 'a' } }] })).toEqual(['r2', 'r3'])
    expect(where({ $or: [{ s: 'a' }, { s: 'c' }] })).toEqual(['r1', 'r5'])
    expect(where({ $or: [{ $and: [{ n: 2 }, { b: false }] }, { s: 'A' }] })).toEqual(['r2', 'r3'])
  })
  it('empty $and matches everything, empty $or nothing', () => {
    expect(where({ $and: [] })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
    expect(where({ $or: [] })).toEqual([])
  })
  it('other #-keys (and #document with a metadata operator) are plain metadata keys', () => {
    expect(where({ '#document': { $eq: 'Hello World' } })).toEqual([])
    expect(where({ '#other': 1 })).toEqual([])
    expect(where({ '#other': { $ne: 1 } })).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'])
  })
  it('#document inside where', () => {
    expect(where({ '#document': { $contains: 'World' } })).toEqual(['r1'])
    expect(where({ $and: [{ '#document': { $not_contains: 'World' } }, { n: { $gt: 0 } }] })).toEqual(['r2', 'r3'])
  })
  it('where and where_document are ANDed', () => {
    expect(db.get(cid, { where: { n: { $gt: 0 } }, where_document: { $contains: 'hello' } }).ids).toEqual(['r2'])
  })
})

describe('where_document', () => {
  it('$contains is case-sensitive, via FTS for 3+ characters', () => {
    expect(whereDoc({ $contains: 'Hello' })).toEqual(['r1'])
    expect(whereDoc({ $contains: 'hello' })).toEqual(['r2'])
    expect(whereDoc({ $contains: 'HELLO' })).toEqual([])
  })
  it('$contains shorter than 3 characters falls back to a scan, still case-sensitive', () => {
    expect(whereDoc({ $contains: 'lo' })).toEqual(['r1', 'r2'])
    expect(whereDoc({ $contains: 'ab' })).toEqual(['r4'])
    expect(whereDoc({ $contains: 'AB' })).toEqual([])
    expect(whereDoc({ $contains: '' })).toEqual(['r1', 'r2', 'r4', 'r5'])
  })
  it('LIKE and FTS special characters are literal', () => {
    expect(whereDoc({ $contains: '0% _' })).toEqual(['r5'])
    expect(whereDoc({ $contains: '%' })).toEqual(['r5'])
    expect(whereDoc({ $contains: '"quoted"' })).toEqual(['r5'])
    expect(whereDoc({ $contains: '\\ back' })).toEqual(['r5'])
    expect(whereDoc({ $contains: 'a_c' })).toEqual([])
  })
  it('$not_contains matches records without a document', () => {
    expect(whereDoc({ $not_contains: 'hello' })).toEqual(['r1', 'r3', 'r4', 'r5'])
  })
  it('$regex / $not_regex', () => {
    expect(whereDoc({ $regex: '^h' })).toEqual(['r2'])
    expect(whereDoc({ $regex: '(?i)^h' })).toEqual(['r1', 'r2'])
    expect(whereDoc({ $regex: 'W.r' })).toEqual(['r1'])
    expect(whereDoc({ $not_regex: '^h' })).toEqual(['r1', 'r3', 'r4', 'r5'])
  })
  it('$and / $or', () => {
    expect(whereDoc({ $or: [{ $contains: 'World' }, { $contains: 'ab' }] })).toEqual(['r1', 'r4'])
    expect(whereDoc({ $and: [{ $contains: 'hello' }, { $not_contains: 'there' }] })).toEqual([])
  })
  it('FTS-narrowed $contains agrees with a plain case-sensitive substring test (randomised)', () => {
    const local = new ChromaDatabase()
    const id = local.createCollection({ tenant: 'default_tenant', database: 'default_database' }, { name: 'fuzz' }).id
    let seed = 7
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const alphabet = ['a', 'A', 'b', ' ', 'é', 'É', '%', '_', '"', '*', '日', 'x', '\\', "'"]
    const word = (len: number): string => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('')
    const docs = Array.from({ length: 300 }, () => word(3 + rand(20)))
    local.add(id, { ids: docs.map((_, i) => `d${i}`), embeddings: docs.map(() => [1]), documents: docs })
    for (let k = 0; k < 200; k++) {
      const src = docs[rand(docs.length)] as string
      const chars = [...src]
      const start = rand(chars.length)
      const needle = k % 3 === 0 ? word(1 + rand(5)) : chars.slice(start, start + 1 + rand(6)).join('')
      const expected = docs.flatMap((d, i) => (d.includes(needle) ? [`d${i}`] : []))
      expect(local.get(id, { where_document: { $contains: needle }, include: [] }).ids, needle).toEqual(expected)
    }
    local.close()
  })
  it('FTS stays in sync with document updates and deletes', () => {
    const local = new ChromaDatabase()
    const id = local.createCollection({ tenant: 'default_tenant', database: 'default_database' }, { name: 'fts' }).id
    local.add(id, { ids: ['a', 'b'], embeddings: [[1], [2]], documents: ['alpha beta', 'gamma'] })
    local.update(id, { ids: ['a'], documents: ['delta'] })
    expect(local.get(id, { where_document: { $contains: 'alpha' } }).ids).toEqual([])
    expect(local.get(id, { where_document: { $contains: 'delta' } }).ids).toEqual(['a'])
    local.delete(id, { ids: ['b'] })
    expect(local.get(id, { where_document: { $contains: 'gamma' } }).ids).toEqual([])
    local.close()
  })
})

describe('invalid clauses', () => {
  const badWhere: unknown[] = [
    {},
    { a: 1, b: 2 },
    { $foo: 1 },
    { $and: {} },
    { a: null },
    { a: [1, 2] },
    { a: {} },
    { a: { $gt: 'x' } },
    { a: { $gt: true } },
    { a: { $in: [] } },
    { a: { $in: [1, 'x'] } },
    { a: { $in: 'x' } },
    { a: { $eq: 1, $ne: 2 } },
    { a: { $regex: 'x' } },
    { a: { $eq: { b: 1 } } },
    { a: { $bogus: 1 } },
    { '#document': { $regex: 1 } },
    []
  ]
  it.each(badWhere.map((w) => [JSON.stringify(w), w]))('where %s -> Invalid where clause', (_, w) => {
    expect(() => parseWhere(w)).toThrowError(InvalidArgumentError)
    expect(() => parseWhere(w)).toThrowError(/^Invalid where clause$/)
    expect(() => db.get(cid, { where: w as never })).toThrowError('Invalid where clause')
  })
  const badDoc: unknown[] = [
    {},
    { $contains: 1 },
    { $foo: 'x' },
    { $contains: 'a', $regex: 'b' },
    { $and: 'x' },
    { $or: [{}] }
  ]
  it.each(badDoc.map((w) => [JSON.stringify(w), w]))('where_document %s -> Invalid where document clause', (_, w) => {
    expect(() => parseWhereDocument(w)).toThrowError(InvalidArgumentError)
    expect(() => parseWhereDocument(w)).toThrowError(/^Invalid where document clause$/)
  })
  it("invalid regex reports Chroma's message", () => {
    expect(() => parseWhereDocument({ $regex: '(' })).toThrowError(
      'Regex syntax errror: regex parse error:\n    (\n    ^\nerror: unclosed group'
    )
    expect(() => parseWhereDocument({ $regex: 'ab(c' })).toThrowError(
      'Regex syntax errror: regex parse error:\n    ab(c\n      ^\nerror: unclosed group'
    )
    expect(() => parseWhereDocument({ $regex: 'a)' })).toThrowError(/\n {5}\^\nerror: unopened group$/)
    expect(() => parseWhereDocument({ $regex: 'x[ab' })).toThrowError(/\n {5}\^\nerror: unclosed character class$/)
    expect(() => parseWhereDocument({ $regex: '*a' })).toThrowError(/error: repetition operator missing expression$/)
    expect(() => db.get(cid, { where_document: { $not_regex: '[' } })).toThrowError(/^Regex syntax errror: /)
  })
  it('an invalid pattern the scan cannot place still reads plainly: the pattern and the reason', () => {
    expect(() => parseWhereDocument({ $regex: 'a{2,1}' })).toThrowError(
      'Regex syntax errror: regex parse error:\n    a{2,1}\nerror: numbers out of order in {} quantifier'
    )
    expect(() => parseWhereDocument({ $regex: 'a**' })).toThrowError(/\n {4}a\*\*\nerror: Nothing to repeat$/)
  })
  it('a leading inline flag group is not taken for the error; `(?` opens a group', () => {
    expect(() => parseWhereDocument({ $regex: '(?i)abc(' })).toThrowError(/\n {11}\^\nerror: unclosed group$/)
    expect(() => parseWhereDocument({ $regex: '(?<x' })).toThrowError(/\n {4}\^\nerror: unclosed group$/)
    expect(parseWhereDocument({ $regex: '(?i)ABC' })).toEqual({ kind: 'doc', op: 'regex', value: '(?i)ABC' })
  })
  it('each refusal says why in plain words (InvalidFilterError.reason), for the app', () => {
    const reason = (f: () => unknown): string => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidFilterError)
        return (e as InvalidFilterError).reason
      }
      return expect.unreachable()
    }
    const where = (w: unknown): string => reason(() => parseWhere(w))
    expect(where({ year: { $gt: '2020' } })).toBe('$gt on "year" needs a number, not the text "2020"')
    expect(where({ a: 1, b: 2 })).toMatch(/^Give one key per object: combine .*\$and/)
    expect(where({})).toMatch(/^An empty condition/)
    expect(where([])).toBe('A where filter is a JSON object, like {"genre": "news"}, not a list')
    expect(where({ $foo: 1 })).toBe('Unknown operator $foo here: use $and, $or or a metadata key')
    expect(where({ $and: {} })).toMatch(/^\$and needs a list of conditions/)
    expect(where({ a: [1, 2] })).toBe('"a" is given a list: to match any of several values write {"a": {"$in": [...]}}')
    expect(where({ a: null })).toBe('"a" needs a text, number or boolean to match, not null')
    expect(where({ a: { $eq: 1, $ne: 2 } })).toMatch(/^"a" needs exactly one operator/)
    expect(where({ a: { $bogus: 1 } })).toMatch(/^Unknown operator \$bogus on "a": use \$eq, /)
    expect(where({ a: { $in: 'x' } })).toBe('$in on "a" needs a list of values, not the text "x"')
    expect(where({ a: { $nin: [] } })).toBe('$nin on "a" needs at least one value')
    expect(where({ a: { $in: [1, 'x'] } })).toMatch(/one kind of value .*, not one holding the text "x"$/)
    expect(where({ a: { $eq: { b: 1 } } })).toBe('$eq on "a" needs a text, number or boolean, not an object')
    expect(where({ '#document': { $regex: 1 } })).toBe('$regex needs a text, not 1')
    const doc = (w: unknown): string => reason(() => parseWhereDocument(w))
    expect(doc({ $foo: 'x' })).toMatch(/^Unknown document operator \$foo: use \$contains/)
    expect(doc({ $contains: 'a', $regex: 'b' })).toMatch(/^Give one operator per object/)
    expect(doc({ $contains: 1 })).toBe('$contains needs a text, not 1')
    expect(doc({ $regex: 'ab(c' })).toBe('The pattern has an unclosed group "(" at position 3')
    expect(doc({ $regex: 'a)' })).toBe('The pattern has a ")" that closes no group at position 2')
    expect(doc({ $regex: 'x[ab' })).toBe('The pattern has an unclosed character class "[" at position 2')
    expect(doc({ $regex: '*a' })).toMatch(/^The pattern has a repetition .* at position 1$/)
    expect(doc({ $regex: 'a{2,1}' })).toBe(
      'The pattern is not a valid regular expression: numbers out of order in {} quantifier'
    )
  })
  it('a type refusal through the database adds what the key holds, from the index, not a scan', () => {
    const reasonOf = (w: unknown): string => {
      try {
        db.get(cid, { where: w as never })
      } catch (e) {
        expect((e as Error).message).toBe('Invalid where clause') // Chroma's text for its API
        return (e as InvalidFilterError).reason
      }
      return expect.unreachable()
    }
    expect(reasonOf({ n: { $gt: '1' } })).toBe(
      '$gt on "n" needs a number, not the text "1"; "n" holds integers and decimal numbers'
    )
    expect(reasonOf({ s: { $lte: true } })).toBe('$lte on "s" needs a number, not true; "s" holds text')
    expect(reasonOf({ missing: { $in: [1, 'a'] } })).toMatch(/; "missing" holds no values in this collection$/)
    // Rules that are not about the value's type leave the key's types out.
    expect(reasonOf({ n: { $bogus: 1 } })).not.toMatch(/holds/)
  })
  it('errors carry status 400', () => {
    try {
      parseWhere({})
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError)
      expect((e as InvalidArgumentError).httpStatus).toBe(400)
      expect((e as InvalidArgumentError).chromaName).toBe('InvalidArgumentError')
    }
  })
})
