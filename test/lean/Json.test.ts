/** Bounded JSON (src/lean/Json.ts): the depth scanner against references, and parsing that never throws. */
import { describe, expect, it } from "@effect/vitest"
import {
  boundedText,
  CIRCULAR_MARKER,
  DEFAULT_MAX_JSON_DEPTH,
  jsonDepth,
  parseJsonBounded,
  truncatedMarker,
  truncateDeep
} from "../../src/lean/Json.js"

/** mulberry32: a small seeded PRNG, so that a failing case can be replayed. */
const prng = (seed: number) => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <A>(items: ReadonlyArray<A>): A => {
    const item = items[int(items.length)]
    if (item === undefined) throw new Error("pick from an empty list")
    return item
  }
  return { next, int, pick }
}
type Prng = ReturnType<typeof prng>

const STRING_PIECES = ["[", "]", "{", "}", "\"", "\\", "\\\"", "\\\\", "\\\\\"", "a", " ", ":", ",", "é", "😀", "\n", "\u0000", "\u2028"]

const randomString = (r: Prng): string => {
  let s = ""
  const n = r.int(8)
  for (let i = 0; i < n; i++) s += r.pick(STRING_PIECES)
  return s
}

/** A random JSON value nested at most `depth` levels, its strings full of brackets, quotes and escapes. */
const randomJson = (r: Prng, depth: number): unknown => {
  const kind = r.int(depth > 0 ? 7 : 5)
  switch (kind) {
    case 0:
      return null
    case 1:
      return r.next() < 0.5
    case 2:
      return r.pick([0, -1, 1.5e300, 3.25, 42])
    case 3:
    case 4:
      return randomString(r)
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth - 1))
    default: {
      const o: Record<string, unknown> = {}
      for (let i = r.int(4); i > 0; i--) o[randomString(r)] = randomJson(r, depth - 1)
      return o
    }
  }
}

/** The depth of a parsed value, computed from the value (recursively: the test values are shallow). */
const referenceDepth = (value: unknown): number => {
  if (typeof value !== "object" || value === null) return 0
  const children: Array<unknown> = Array.isArray(value) ? value : Object.values(value)
  return 1 + children.reduce<number>((max, child) => Math.max(max, referenceDepth(child)), 0)
}

/** A naive character-by-character scanner with the same (non-validating) rules, for text that is not JSON. */
const naiveDepth = (text: string): number => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === "\\") i++
      else if (c === "\"") inString = false
    } else if (c === "\"") inString = true
    else if (c === "[" || c === "{") max = Math.max(max, ++depth)
    else if ((c === "]" || c === "}") && depth > 0) depth--
  }
  return max
}

const SOUP = ["[", "]", "{", "}", "\"", "\\", "a", ",", ":", " ", "1"]

const bracketSoup = (r: Prng): string => {
  let s = ""
  const n = r.int(60)
  for (let i = 0; i < n; i++) s += r.pick(SOUP)
  return s
}

const randomBytes = (r: Prng): string => {
  const bytes = Buffer.alloc(r.int(64))
  for (let i = 0; i < bytes.length; i++) bytes[i] = r.next() < 0.5 ? r.pick([0x5b, 0x5d, 0x7b, 0x7d, 0x22, 0x5c, 0x2c, 0x3a, 0x31]) : r.int(256)
  return r.next() < 0.5 ? bytes.toString("utf8") : bytes.toString("latin1")
}

/** Valid JSON, sometimes broken by a few random edits. */
const mutatedJson = (r: Prng): string => {
  let text = JSON.stringify(randomJson(r, 1 + r.int(10)))
  for (let edits = r.int(3); edits > 0; edits--) {
    const at = r.int(text.length + 1)
    text = text.slice(0, at) + r.pick(["", "[", "]", "{", "\"", "\\", ",", "x"]) + text.slice(at + r.int(2))
  }
  return text
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe("jsonDepth", () => {
  it("counts containers, not brackets inside strings", () => {
    expect(jsonDepth("1", 10)).toBe(0)
    expect(jsonDepth("\"[[[\"", 10)).toBe(0)
    expect(jsonDepth("[]", 10)).toBe(1)
    expect(jsonDepth("{\"a\":\"[[[[[\"}", 10)).toBe(1)
    expect(jsonDepth("{\"a\\\"[[\":\"\\\\\",\"b\":[[\"]]]]\\\"]]\"]]}", 10)).toBe(3)
    expect(jsonDepth("[\"\\\\\\\"[\",[1]]", 10)).toBe(2)
    expect(jsonDepth("[[],[[]],{\"x\":{}}]", 10)).toBe(3)
  })

  it("stops once past the limit, answering limit + 1", () => {
    expect(jsonDepth("[[[[[]]]]]", 2)).toBe(3)
    expect(jsonDepth("[[[[[]]]]]", 5)).toBe(5)
    expect(jsonDepth("[[[[[]]]]]", 0)).toBe(1)
  })

  it("does not validate: stray closers never go below zero, an open string runs to the end", () => {
    expect(jsonDepth("]]]][[", 10)).toBe(2)
    expect(jsonDepth("[\"[[[[", 10)).toBe(1)
    expect(jsonDepth("\"\\", 10)).toBe(0)
  })

  it("agrees with the depth of the parsed value on random JSON, and with a naive scanner on bracket soup", () => {
    const r = prng(0x5eed)
    for (let i = 0; i < 5_000; i++) {
      const value = randomJson(r, 1 + r.int(12))
      const text = JSON.stringify(value, null, [undefined, 0, 2, "\t"][r.int(4)])
      const depth = referenceDepth(JSON.parse(text))
      expect(jsonDepth(text, Infinity), text).toBe(depth)
      const limit = r.int(14)
      expect(jsonDepth(text, limit), text).toBe(Math.min(depth, limit + 1))
    }
    for (let i = 0; i < 10_000; i++) {
      const text = bracketSoup(r)
      expect(jsonDepth(text, Infinity), text).toBe(naiveDepth(text))
      if (parses(text)) expect(jsonDepth(text, Infinity), text).toBe(referenceDepth(JSON.parse(text)))
    }
  })

  it("scans 100,000 unclosed brackets quickly, without recursion", () => {
    const text = "[".repeat(100_000)
    const started = performance.now()
    expect(jsonDepth(text, DEFAULT_MAX_JSON_DEPTH)).toBe(DEFAULT_MAX_JSON_DEPTH + 1)
    expect(jsonDepth(text, Infinity)).toBe(100_000)
    expect(jsonDepth(`${"{\"a\":".repeat(100_000)}1${"}".repeat(100_000)}`, Infinity)).toBe(100_000)
    expect(performance.now() - started).toBeLessThan(500)
  })

  // Sized so that a scan quadratic in the length of a string (about 10^12 steps for these million
  // characters) could not end within the test's time limit on any machine, while a linear one
  // takes milliseconds: the limit decides, not a clock reading.
  it("skips long strings, and long runs of escapes, in linear time", () => {
    const long = `[${JSON.stringify("\\\"[".repeat(300_000))},${JSON.stringify("x".repeat(1_000_000))},[]]`
    expect(jsonDepth(long, Infinity)).toBe(2)
    expect(jsonDepth(`["${"\\".repeat(1_000_000)}",[]]`, Infinity)).toBe(2)
  }, 60_000)
})

describe("parseJsonBounded", () => {
  it("parses what is within the limits", () => {
    expect(parseJsonBounded("{\"a\":[1,\"[\"]}", { maxDepth: 2 })).toEqual({ ok: true, value: { a: [1, "["] } })
    expect(parseJsonBounded("\"é\"", { maxDepth: 0, maxBytes: 4 })).toEqual({ ok: true, value: "é" })
  })

  it("refuses too deep before parsing, and too large before scanning", () => {
    const deep = parseJsonBounded("[".repeat(2_500), { maxDepth: DEFAULT_MAX_JSON_DEPTH })
    expect(deep).toMatchObject({ ok: false, reason: "too-deep" })
    expect(parseJsonBounded("[[[]]]", { maxDepth: 2 })).toMatchObject({ ok: false, reason: "too-deep" })
    // 3 characters but 4 UTF-8 bytes ("é" is 2).
    expect(parseJsonBounded("\"é\"", { maxDepth: 0, maxBytes: 3 })).toMatchObject({ ok: false, reason: "too-large" })
    expect(parseJsonBounded("[".repeat(100_000), { maxDepth: 10, maxBytes: 1_000 })).toMatchObject({
      ok: false,
      reason: "too-large"
    })
  })

  it("refuses what is not JSON with a short message free of control characters", () => {
    const bad = parseJsonBounded(`{"a":"${"x".repeat(10_000)}\n\u001b[31m"`, { maxDepth: 10 })
    expect(bad).toMatchObject({ ok: false, reason: "not-json" })
    if (bad.ok) throw new Error("parsed")
    expect(bad.message.length).toBeLessThanOrEqual(200)
    expect(bad.message).not.toMatch(/[\u0000-\u001f]/)
    expect(parseJsonBounded("", { maxDepth: 10 })).toMatchObject({ ok: false, reason: "not-json" })
  })

  it("never throws on random bytes or broken JSON, and agrees with JSON.parse within the limits", () => {
    const r = prng(42)
    const seen = { ok: 0, "too-deep": 0, "too-large": 0, "not-json": 0 }
    for (let i = 0; i < 10_000; i++) {
      const text = i % 2 === 0 ? randomBytes(r) : mutatedJson(r)
      const result = parseJsonBounded(text, { maxDepth: 5, maxBytes: 100 })
      seen[result.ok ? "ok" : result.reason]++
      if (result.ok) {
        expect(result.value).toEqual(JSON.parse(text))
      } else {
        expect(result.message.length).toBeGreaterThan(0)
        expect(result.message.length).toBeLessThanOrEqual(200)
        if (result.reason === "not-json") expect(parses(text)).toBe(false)
        if (result.reason === "too-deep") expect(jsonDepth(text, Infinity)).toBeGreaterThan(5)
        if (result.reason === "too-large") expect(Buffer.byteLength(text)).toBeGreaterThan(100)
      }
    }
    // Every outcome was exercised.
    for (const count of Object.values(seen)) expect(count, JSON.stringify(seen)).toBeGreaterThan(20)
  })
})

describe("boundedText", () => {
  it("keeps short text, cuts long text to the limit, and never splits a surrogate pair", () => {
    expect(boundedText("short", 10)).toBe("short")
    expect(boundedText("abcdefghij", 10)).toBe("abcdefghij")
    expect(boundedText("abcdefghijk", 10)).toBe("abcdefghi…")
    expect(boundedText("abcdefghijk", 1)).toBe("…")
    expect(boundedText("abc", 0)).toBe("")
    const cut = boundedText("1234567😀😀", 9) // the emoji straddles the cut
    expect(cut).toBe("1234567…")
    expect(cut.length).toBeLessThanOrEqual(9)
    expect(boundedText("x".repeat(10_000_000), 200).length).toBe(200)
  })
})

describe("truncateDeep", () => {
  it("replaces what is nested deeper than the limit, iteratively", () => {
    const marker = truncatedMarker(2)
    expect(truncateDeep({ a: [1, [2, [3]]], b: "s" }, 2)).toEqual({ a: [1, marker], b: "s" })
    expect(truncateDeep([[]], 0)).toBe(truncatedMarker(0))
    expect(truncateDeep("x", 0)).toBe("x")
    const deep: unknown = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)
    const cut = truncateDeep(deep, DEFAULT_MAX_JSON_DEPTH)
    expect(jsonDepth(JSON.stringify(cut), Infinity)).toBe(DEFAULT_MAX_JSON_DEPTH)
  })

  it("keeps an own __proto__ key as a key, and cuts cycles", () => {
    const parsed: unknown = JSON.parse("{\"__proto__\":{\"polluted\":true},\"k\":1}")
    const copy = truncateDeep(parsed, 5)
    expect(JSON.stringify(copy)).toBe("{\"__proto__\":{\"polluted\":true},\"k\":1}")
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic["self"] = cyclic
    cyclic["list"] = [cyclic]
    expect(truncateDeep(cyclic, 10)).toEqual({ a: 1, self: CIRCULAR_MARKER, list: [CIRCULAR_MARKER] })
  })

  it("agrees with JSON on random values within the limit", () => {
    const r = prng(7)
    for (let i = 0; i < 2_000; i++) {
      const value = randomJson(r, 1 + r.int(8))
      const limit = r.int(10)
      const cut = truncateDeep(value, limit)
      expect(jsonDepth(JSON.stringify(cut), Infinity)).toBeLessThanOrEqual(Math.max(limit, 0))
      if (referenceDepth(value) <= limit) expect(JSON.stringify(cut)).toBe(JSON.stringify(value))
    }
  })
})
