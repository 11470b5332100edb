import { describe, expect, it } from 'vitest'
import { exportFileName, safeFileName } from './file-names.js'

describe('safeFileName', () => {
  it('keeps ordinary collection names as they are', () => {
    for (const name of ['notes', 'my-collection.v2', 'Docs_2024', 'café ü', '数据集']) {
      expect(safeFileName(name)).toBe(name)
    }
  })

  it.each([
    ['../../etc/passwd', '_._etc_passwd'],
    ['..\\..\\Windows\\win.ini', '_._Windows_win.ini'],
    ['/abs/path', '_abs_path'],
    ['a/b', 'a_b'],
    ['a..b', 'a.b'],
    ['.hidden', 'hidden'],
    ['name. . ', 'name'],
    ['a<b>c:d"e|f?g*h', 'a_b_c_d_e_f_g_h'],
    ['line\r\nbreak\u0000nul\u007fdel\u0085nel', 'linebreaknuldelnel'],
    ['\u202Egpj.exe', 'gpj.exe'],
    ['zero\u200Bwidth\uFEFF', 'zerowidth'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1', '_com1'],
    ['console', 'console']
  ])('makes %j one plain file name: %j', (name, expected) => {
    expect(safeFileName(name)).toBe(expected)
  })

  it.each(['', '   ', '.', '..', '...', '/', '//', '\\', '\u0000', '\u202E', '. .'])(
    'falls back when %j leaves nothing usable',
    (name) => {
      expect(safeFileName(name)).toBe('collection')
      expect(safeFileName(name, 'export')).toBe('export')
    }
  )

  it('bounds the length without splitting a character', () => {
    expect(safeFileName('x'.repeat(1000))).toBe('x'.repeat(100))
    const emoji = safeFileName('😀'.repeat(150))
    expect(Array.from(emoji)).toHaveLength(100)
    expect(emoji).toBe('😀'.repeat(100))
    // Cut at the bound, then trailing dots go: never a name ending in '.'.
    expect(safeFileName(`${'y'.repeat(99)}.z`)).toBe('y'.repeat(99))
  })
})

describe('exportFileName', () => {
  it('suggests <safe name>.jsonl', () => {
    expect(exportFileName('notes')).toBe('notes.jsonl')
    expect(exportFileName('../../x')).toBe('_._x.jsonl')
    expect(exportFileName(undefined)).toBe('collection.jsonl')
    expect(exportFileName(null)).toBe('collection.jsonl')
  })
})
