// What the suite takes from jest, served by vitest: imports of '@jest/globals' are aliased here
// (vitest.config.ts), and as a setup file it gives the files that use jest's globals without an
// import (schema.test.ts) a global `jest`; vitest's `globals` option supplies the rest. vi implements
// the jest.fn / jest.spyOn API the suite uses.
import { vi } from 'vitest'

export { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi as jest } from 'vitest'

Object.assign(globalThis, { jest: vi })
