import { describe, expect, it } from "@effect/vitest"
import { Backoff } from "../../src/actor/index.js"

describe("Backoff", () => {
  const policy = Backoff.make({ min: "100 millis", max: "1 second", jitter: 0.5, resetAfter: "10 seconds" })

  it("doubles from min and caps at max", () => {
    expect([0, 1, 2, 3, 4, 5].map((attempt) => Backoff.delayMillis(policy, attempt, 0))).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it("adds at most the jitter factor, after the cap (as Akka)", () => {
    expect(Backoff.delayMillis(policy, 0, 0.999)).toBeCloseTo(149.95)
    expect(Backoff.delayMillis(policy, 10, 0.5)).toBe(1250)
  })

  it("normalizes its options", () => {
    expect(Backoff.make({ min: "2 seconds", max: "1 second", jitter: 3 })).toEqual({
      minMillis: 2000,
      maxMillis: 2000,
      jitter: 1,
      resetAfterMillis: 2000
    })
    expect(policy.resetAfterMillis).toBe(10_000)
  })
})
