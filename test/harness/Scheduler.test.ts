/**
 * The scheduling rules (pure): capability matching and preference, invalid and unavailable
 * harnesses skipped, open circuits skipped, global and per-harness slots, the memory budget,
 * FIFO within a priority, runs of one session serialised.
 */
import { describe, expect, it } from "vitest"
import * as Circuit from "../../src/harness/Circuit.js"
import { type Active, type Candidate, nextWake, orderFor, type Pending, plan } from "../../src/harness/Scheduler.js"

const MiB = 1024 * 1024
const h = (name: string, capabilities: ReadonlyArray<string>, extra: Partial<Candidate> = {}): Candidate => ({
  name,
  capabilities,
  concurrency: 1,
  memory: 0,
  builtin: false,
  ...extra
})
let seq = 0
const q = (runId: string, extra: Partial<Pending> = {}): Pending => ({
  runId,
  sessionId: `s-${runId}`,
  capability: "title-summary",
  harness: null,
  priority: 0,
  seq: ++seq,
  ...extra
})
const base = {
  active: [] as ReadonlyArray<Active>,
  circuits: new Map<string, Circuit.CircuitState>(),
  preference: {} as Record<string, ReadonlyArray<string>>,
  resources: { maxConcurrent: 8, memoryBudget: 1024 * MiB },
  now: 1000
}

describe("capability matching and preference", () => {
  const harnesses = [h("builtin", ["title-summary", "digest"], { builtin: true }), h("zeta", ["title-summary"]), h("alpha", ["title-summary"]), h("other", ["extract"])]

  it("serving harnesses only: the preferred ones in order, then by name, built-in last", () => {
    expect(orderFor("title-summary", harnesses, {}).map((c) => c.name)).toEqual(["alpha", "zeta", "builtin"])
    expect(orderFor("title-summary", harnesses, { "title-summary": ["builtin", "zeta"] }).map((c) => c.name)).toEqual(["builtin", "zeta", "alpha"])
    expect(orderFor("extract", harnesses, {}).map((c) => c.name)).toEqual(["other"])
  })

  it("the first harness by preference with a free slot takes the run; busy ones are passed over", () => {
    const p = plan({ ...base, pending: [q("a"), q("b"), q("c"), q("d")], harnesses, preference: { "title-summary": ["zeta"] } })
    expect(p.starts).toEqual([
      { runId: "a", harness: "zeta" },
      { runId: "b", harness: "alpha" },
      { runId: "c", harness: "builtin" }
    ])
  })

  it("invalid and unavailable harnesses are skipped; a run none can serve fails with the reasons", () => {
    const broken = [h("llm", ["title-summary"], { unusable: "the llm runtime is not available" }), h("builtin", ["title-summary"], { builtin: true })]
    expect(plan({ ...base, pending: [q("a")], harnesses: broken }).starts).toEqual([{ runId: "a", harness: "builtin" }])
    const none = plan({ ...base, pending: [q("a"), q("b", { capability: "nothing" }), q("c", { harness: "ghost" })], harnesses: [broken[0] as Candidate] })
    expect(none.starts).toEqual([])
    expect(none.unservable).toEqual([
      { runId: "a", reason: "llm: the llm runtime is not available" },
      { runId: "b", reason: "no harness serves nothing" },
      { runId: "c", reason: "there is no harness named ghost" }
    ])
  })

  it("an open circuit is skipped for the next harness; a named harness with an open circuit fails at once", () => {
    const circuits = new Map([["alpha", Circuit.failed(Circuit.closed, 0, { failures: 1, cooldown: 60_000 })]])
    const harnesses2 = [h("alpha", ["title-summary"]), h("builtin", ["title-summary"], { builtin: true })]
    expect(plan({ ...base, circuits, pending: [q("a")], harnesses: harnesses2 }).starts).toEqual([{ runId: "a", harness: "builtin" }])
    const named = plan({ ...base, circuits, pending: [q("a", { harness: "alpha" })], harnesses: harnesses2 })
    expect(named.unservable[0]?.reason).toMatch(/^the circuit of alpha is open for 59s more/)
    // Only an open circuit behind every candidate: the run waits, and the scheduler knows when to look again.
    const waiting = plan({ ...base, circuits, pending: [q("a")], harnesses: [h("alpha", ["title-summary"])] })
    expect(waiting).toMatchObject({ starts: [], unservable: [] })
    expect(nextWake(circuits, 1000)).toBe(60_000)
  })

  it("a half-open circuit lets exactly one trial run through", () => {
    const circuits = new Map([["alpha", Circuit.failed(Circuit.closed, 0, { failures: 1, cooldown: 500 })]])
    const p = plan({ ...base, circuits, pending: [q("a"), q("b")], harnesses: [h("alpha", ["title-summary"], { concurrency: 4 })] })
    expect(p.starts).toEqual([{ runId: "a", harness: "alpha" }])
    expect(Circuit.name(p.circuits.get("alpha") ?? Circuit.closed, 1000)).toBe("half-open")
  })
})

describe("slots and the memory budget", () => {
  it("global slots: at most max_concurrent running, counting those already running", () => {
    const harnesses = [h("a", ["title-summary"], { concurrency: 10 })]
    const active: ReadonlyArray<Active> = [{ runId: "r0", sessionId: "x", harness: "a", memory: 0 }]
    const p = plan({ ...base, active, resources: { maxConcurrent: 3, memoryBudget: 0 }, pending: [q("1"), q("2"), q("3"), q("4")], harnesses })
    expect(p.starts.map((s) => s.runId)).toEqual(["1", "2"])
  })

  it("per-harness concurrency", () => {
    const p = plan({ ...base, pending: [q("1"), q("2"), q("3")], harnesses: [h("a", ["title-summary"], { concurrency: 2 })] })
    expect(p.starts.map((s) => s.runId)).toEqual(["1", "2"])
  })

  it("the sum of the running harnesses' memory limits stays within the budget", () => {
    const harnesses = [h("big", ["title-summary"], { concurrency: 4, memory: 400 * MiB })]
    const p = plan({ ...base, resources: { maxConcurrent: 8, memoryBudget: 1024 * MiB }, pending: [q("1"), q("2"), q("3")], harnesses })
    expect(p.starts.map((s) => s.runId)).toEqual(["1", "2"])
    const active: ReadonlyArray<Active> = [{ runId: "r0", sessionId: "x", harness: "big", memory: 400 * MiB }]
    expect(plan({ ...base, active, pending: [q("1"), q("2")], harnesses }).starts.map((s) => s.runId)).toEqual(["1"])
  })

  it("a run waiting for memory keeps later, smaller runs waiting (no starvation); one over the whole budget fails", () => {
    const harnesses = [h("big", ["digest"], { concurrency: 4, memory: 600 * MiB }), h("small", ["extract"], { concurrency: 4, memory: 100 * MiB })]
    const active: ReadonlyArray<Active> = [{ runId: "r0", sessionId: "x", harness: "big", memory: 600 * MiB }]
    const p = plan({ ...base, active, pending: [q("1", { capability: "digest" }), q("2", { capability: "extract" })], harnesses })
    expect(p.starts).toEqual([])
    const huge = plan({ ...base, resources: { maxConcurrent: 8, memoryBudget: 512 * MiB }, pending: [q("1", { capability: "digest" })], harnesses })
    expect(huge.unservable[0]?.reason).toBe("big: its memory limit 600MiB is over harness.memory_budget 512MiB")
  })
})

describe("order", () => {
  it("FIFO within a priority, higher priorities first", () => {
    const harnesses = [h("a", ["title-summary"], { concurrency: 2 })]
    const pending = [q("low-1"), q("low-2"), q("high", { priority: 5 }), q("low-3")]
    expect(plan({ ...base, pending, harnesses }).starts.map((s) => s.runId)).toEqual(["high", "low-1"])
  })

  it("a run waiting for a harness keeps later runs of its priority off that harness", () => {
    const harnesses = [h("a", ["title-summary"]), h("b", ["title-summary", "extract"])]
    const active: ReadonlyArray<Active> = [
      { runId: "r0", sessionId: "x", harness: "a", memory: 0 },
      { runId: "r1", sessionId: "y", harness: "b", memory: 0 }
    ]
    const p = plan({ ...base, active, pending: [q("1"), q("2", { capability: "extract" })], harnesses })
    expect(p.starts).toEqual([])
  })

  it("runs of one session are serialised, in order; other sessions go on", () => {
    const harnesses = [h("a", ["title-summary"], { concurrency: 8 })]
    const active: ReadonlyArray<Active> = [{ runId: "r0", sessionId: "s", harness: "a", memory: 0 }]
    const pending = [q("1", { sessionId: "s" }), q("2", { sessionId: "t" }), q("3", { sessionId: "t" }), q("4", { sessionId: "u" })]
    expect(plan({ ...base, active, pending, harnesses }).starts.map((s) => s.runId)).toEqual(["2", "4"])
  })
})
