import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { DeadLetters } from "../../src/actor/index.js"

const letter = (n: number): DeadLetters.DeadLetter => ({
  actor: "root/p",
  message: n,
  reason: "Undelivered",
  kills: 0,
  failure: undefined,
  at: n
})

describe("DeadLetters.makeMemory", () => {
  it.effect("keeps the last `capacity` letters in order and counts them all", () =>
    Effect.gen(function*() {
      const memory = yield* DeadLetters.makeMemory(3)
      for (let n = 1; n <= 5; n++) yield* memory.publish(letter(n))
      expect((yield* memory.entries).map((entry) => entry.message)).toEqual([3, 4, 5])
      expect(yield* memory.count).toBe(5)
    }))
})
