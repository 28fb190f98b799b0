import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { AgentName, deriveSessionId, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"

const decode = Schema.decodeUnknownEither(SessionId)

describe("SessionId", () => {
  it("accepts the ids agents use", () => {
    for (const id of [
      "0f8e2a4c-3b1d-4c5e-9f6a-7b8c9d0e1f2a",
      "conv_01HZX",
      "trajectory.42",
      "a",
      "x".repeat(128),
      "user@host:1+2"
    ]) {
      expect(Either.isRight(decode(id)), id).toBe(true)
    }
  })

  it("rejects path separators, control characters, dots-only and overlong ids with a clear reason", () => {
    for (const id of ["", "a/b", "a\\b", "../etc", ".", "..", "a b", "a\nb", "a\u0000b", "\u00e9t\u00e9", "x".repeat(129), "-lead"]) {
      const result = decode(id)
      expect(Either.isLeft(result), JSON.stringify(id)).toBe(true)
    }
    const result = decode("a/b")
    if (Either.isRight(result)) throw new Error("accepted a/b")
    expect(String(result.left.message)).toContain("no slashes")
  })
})

describe("deriveSessionId", () => {
  const seed = {
    projectId: ProjectId.make("00000000-0000-4000-8000-000000000001"),
    machineId: MachineId.make("00000000-0000-4000-8000-000000000002"),
    agent: AgentName.make("claude-code"),
    timestampMs: 1_790_000_000_123
  }

  it("gives the same id for the same inputs", () => {
    expect(deriveSessionId(seed)).toBe(deriveSessionId({ ...seed }))
  })

  it("gives different ids when any input differs", () => {
    const base = deriveSessionId(seed)
    expect(deriveSessionId({ ...seed, timestampMs: seed.timestampMs + 1 })).not.toBe(base)
    expect(deriveSessionId({ ...seed, agent: AgentName.make("codex") })).not.toBe(base)
    expect(deriveSessionId({ ...seed, projectId: ProjectId.make("00000000-0000-4000-8000-000000000009") })).not.toBe(base)
    expect(deriveSessionId({ ...seed, machineId: MachineId.make("00000000-0000-4000-8000-000000000009") })).not.toBe(base)
  })

  it("is a version-8 UUID whose leading bits are the timestamp, so ids sort by time", () => {
    const id = deriveSessionId(seed)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(seed.timestampMs)
    const later = deriveSessionId({ ...seed, timestampMs: seed.timestampMs + 1 })
    expect(later > id).toBe(true)
    expect(Either.isRight(decode(id))).toBe(true)
  })
})
