/**
 * The agents' field types (agents/Contract.ts), which the hook bundles instead of Effect's Schema,
 * against the Schemas they stand for: each accepts exactly what its Schema accepts, on a corpus of
 * values of every JSON shape and on random ones; and a struct decodes leniently, keeping the fields
 * that match, reading null as absent, and naming each field that does not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { decodeStruct, Json, JsonRecord, Str, Strs, struct } from "../../src/agents/Contract.js"

const SAMPLES: ReadonlyArray<unknown> = [
  "",
  "text",
  0,
  -1.5,
  Number.MAX_SAFE_INTEGER,
  true,
  false,
  null,
  [],
  ["a", "b"],
  ["a", 1],
  [null],
  {},
  { a: 1 },
  { nested: { deeper: ["x"] } },
  [{ a: "b" }]
]

/** A seeded generator of random JSON values. */
const randomJson = (seed: number) => {
  let state = seed
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
  const value = (depth: number): unknown => {
    const r = next()
    if (depth > 3 || r < 0.2) return "s" + Math.floor(next() * 100)
    if (r < 0.3) return Math.floor(next() * 1000) - 500
    if (r < 0.35) return next() < 0.5
    if (r < 0.4) return null
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1))
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}`, value(depth + 1)]))
  }
  return value
}

const PAIRS: ReadonlyArray<readonly [string, { readonly is: (u: unknown) => boolean }, (u: unknown) => boolean]> = [
  ["Str", Str, Schema.is(Schema.String)],
  ["Strs", Strs, Schema.is(Schema.Array(Schema.String))],
  ["Json", Json, Schema.is(Schema.Unknown)],
  ["JsonRecord", JsonRecord, Schema.is(Schema.Record({ key: Schema.String, value: Schema.Unknown }))]
]

describe("the agents' field types", () => {
  it.each(PAIRS)("%s accepts exactly what its Schema accepts", (_, field, is) => {
    const value = randomJson(7)
    const values = [...SAMPLES, ...Array.from({ length: 2000 }, () => value(0))]
    for (const v of values) {
      // `null` is read as absent by every field before its type is checked.
      if (v === null) continue
      expect(field.is(v), JSON.stringify(v)).toBe(is(v))
    }
  })

  it("a struct keeps the fields that match, reads null as absent, and refuses an object with a mismatch", () => {
    const Payload = struct({ name: Str, tags: Strs, data: Json })
    expect(decodeStruct(Payload, { name: "n", tags: ["a"], data: { x: 1 }, other: 5 })).toEqual({ name: "n", tags: ["a"], data: { x: 1 } })
    expect(decodeStruct(Payload, { name: null })).toEqual({})
    expect(decodeStruct(Payload, { name: 5 })).toBeUndefined()
    expect(decodeStruct(Payload, "not an object")).toBeUndefined()
    expect(decodeStruct(Payload, ["an", "array"])).toBeUndefined()
  })
})
