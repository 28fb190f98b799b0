/**
 * The registry with the builtin runtime on memory stores, time driven by TestClock: the circuit
 * opens after N consecutive AgentErrors (its runs go to the next harness, a run naming it fails
 * at once), half-opens after the cooldown and closes on a successful trial; a builtin function
 * past its timeout is interrupted (AgentError, limit timeout); transient failures are retried as
 * new attempts; every attempt is a row; a defect is an AgentError; slots hold runs back.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, TestClock } from "effect"
import { AgentError, TransientError } from "../../src/domain/Failure.js"
import * as Circuit from "../../src/harness/Circuit.js"
import { layerNoToolsGateway } from "../../src/harness/GatewayFactory.js"
import { builtinManifests, type ManifestEntry } from "../../src/harness/Manifests.js"
import type { HarnessManifest } from "../../src/harness/Manifest.js"
import { type Executor, makeHarnesses } from "../../src/harness/Registry.js"
import { Runtimes } from "../../src/harness/Runtime.js"
import { type BuiltinFunction, makeBuiltinRuntime } from "../../src/harness/runtimes/Builtin.js"
import { titleSummary } from "../../src/harness/builtin/TitleSummary.js"
import { RunStore } from "../../src/store/RunStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/memory/index.js"
import { defaultConfig, type MycoConfig } from "../../src/vault/Config.js"
import { makeSession } from "../support/sessions.js"

const config: MycoConfig = { ...defaultConfig, harness: { ...defaultConfig.harness, max_concurrent: 4, transient_retries: 2 } }

const manifest = (name: string, capabilities: ReadonlyArray<string>, extra: Partial<HarnessManifest> = {}): ManifestEntry => ({
  _tag: "Valid",
  manifest: { ...(builtinManifests(config)[0] as HarnessManifest), name, capabilities, source: `${name}.yaml`, ...extra }
})

const failing: BuiltinFunction = () => Effect.fail(new AgentError({ actor: "harness/flaky", message: "crashed" }))
const hanging: BuiltinFunction = () => Effect.never
let transientCalls = 0
const transient: BuiltinFunction = () =>
  Effect.suspend(() => (++transientCalls < 3 ? Effect.fail(new TransientError({ operation: "llm.call", message: "429" })) : Effect.succeed({ output: { ok: true }, usage: {} })))
const defect: BuiltinFunction = () => Effect.die(new Error("boom"))

/** The functions, by capability: what each test's harness does. */
let flakyWorks = false
const functions = new Map<string, BuiltinFunction>([
  ["title-summary", titleSummary],
  ["flaky", (task, ctx) => (flakyWorks ? titleSummary(task, ctx) : failing(task, ctx))],
  ["hang", hanging],
  ["transient", transient],
  ["defect", defect]
])

const forkExecutor = (scopeRef: { scope?: import("effect").Scope.Scope }): Executor => (harness, run) =>
  Effect.asVoid(Effect.forkIn(Effect.catchAll(run, (e) => Effect.logError(`${harness}: ${e.message}`)), scopeRef.scope as import("effect").Scope.Scope))

const setup = (entries: ReadonlyArray<ManifestEntry>, cfg: MycoConfig = config) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const sessions = yield* SessionStore
    for (const id of ["s1", "s2", "s3"]) {
      const [session, record] = makeSession(id)
      yield* sessions.create(session, record)
    }
    const registry = yield* makeHarnesses({ entries, config: cfg, projectRoot: "/project", vaultDir: "/project/.myco", executor: forkExecutor({ scope }) })
    return { registry, runs: yield* RunStore }
  })

const layer = Layer.mergeAll(layerStores, layerNoToolsGateway, Layer.succeed(Runtimes, new Map([["builtin", makeBuiltinRuntime(functions)]])))

const request = (capability: string, extra: { harness?: string; sessionId?: string } = {}) => ({
  sessionId: extra.sessionId ?? "s1",
  task: "t",
  capability,
  instructions: "Summarise the session",
  ...(extra.harness === undefined ? {} : { harness: extra.harness })
})

describe("circuit breaker (pure)", () => {
  const settings = { failures: 3, cooldown: 1000 }
  it("opens after N consecutive failures; a success in between resets the count", () => {
    let s = Circuit.closed
    s = Circuit.failed(s, 0, settings)
    s = Circuit.failed(s, 0, settings)
    expect(s).toEqual({ _tag: "Closed", failures: 2 })
    expect(Circuit.failed(Circuit.succeeded(s), 0, settings)).toEqual({ _tag: "Closed", failures: 1 })
    s = Circuit.failed(s, 10, settings)
    expect(s).toMatchObject({ _tag: "Open", until: 1010 })
    expect(Circuit.allows(s, 1009)).toBe(false)
    expect(Circuit.name(s, 1010)).toBe("half-open")
    expect(Circuit.allows(s, 1010)).toBe(true)
  })
  it("half-open: one trial; its failure opens again, its success closes, an inconclusive end frees the trial", () => {
    const open = Circuit.failed(Circuit.closed, 0, { failures: 1, cooldown: 100 })
    const trial = Circuit.started(open, 100)
    expect(Circuit.allows(trial, 100)).toBe(false)
    expect(Circuit.failed(trial, 150, settings)).toMatchObject({ _tag: "Open", until: 1150 })
    expect(Circuit.succeeded(trial)).toEqual(Circuit.closed)
    expect(Circuit.allows(Circuit.inconclusive(trial, 150), 150)).toBe(true)
  })
})

describe("registry", () => {
  it.scoped("the circuit opens after N AgentErrors, runs go to the next harness, and it half-opens after the cooldown (TestClock)", () =>
    Effect.gen(function* () {
      flakyWorks = false
      const entries = [
        manifest("flaky", ["flaky", "title-summary"], { circuit: { failures: 2, cooldown: 60_000 } }),
        manifest("builtin", ["flaky"], { source: "builtin" })
      ]
      const { registry } = yield* setup(entries, { ...config, harness: { ...config.harness, preference: { flaky: ["flaky", "builtin"] } } })
      for (let i = 0; i < 2; i++) {
        const run = yield* registry.submit(request("flaky"))
        expect(run).toMatchObject({ status: "failed", failureClass: "AgentError", harness: "flaky", failure: "crashed" })
      }
      const list = yield* registry.list
      expect(list.find((h) => h.name === "flaky")).toMatchObject({ status: "circuit open", circuit: "open" })
      // Open: the run goes to the next harness by preference (which fails too: it is the same function).
      expect(yield* registry.submit(request("flaky"))).toMatchObject({ harness: "builtin" })
      // Named: refused at once, recorded as a ConfigError.
      const named = yield* registry.submit(request("title-summary", { harness: "flaky" }))
      expect(named).toMatchObject({ status: "failed", failureClass: "ConfigError" })
      expect(named.failure).toMatch(/circuit of flaky is open/)
      yield* TestClock.adjust("60 seconds")
      expect((yield* registry.list).find((h) => h.name === "flaky")).toMatchObject({ status: "ok", circuit: "half-open" })
      flakyWorks = true
      expect(yield* registry.submit(request("title-summary", { harness: "flaky" }))).toMatchObject({ status: "succeeded", harness: "flaky" })
      expect((yield* registry.list).find((h) => h.name === "flaky")).toMatchObject({ circuit: "closed" })
    }).pipe(Effect.provide(layer))
  )

  it.scoped("a run waiting for an open circuit starts when it half-opens", () =>
    Effect.gen(function* () {
      flakyWorks = false
      const { registry } = yield* setup([manifest("flaky", ["flaky"], { circuit: { failures: 1, cooldown: 30_000 } })])
      expect(yield* registry.submit(request("flaky"))).toMatchObject({ failureClass: "AgentError" })
      flakyWorks = true
      const waiting = yield* Effect.fork(registry.submit(request("flaky")))
      yield* TestClock.adjust("29 seconds")
      expect(waiting.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(waiting)).toMatchObject({ status: "succeeded" })
    }).pipe(Effect.provide(layer))
  )

  it.scoped("a builtin function past its timeout is interrupted: an AgentError with the limit recorded", () =>
    Effect.gen(function* () {
      const { registry, runs } = yield* setup([manifest("slow", ["hang"], { limits: { ...config.harness.limits, memory: 0, timeout: 2000 } })])
      const fiber = yield* Effect.fork(registry.submit(request("hang")))
      yield* TestClock.adjust("2 seconds")
      const run = yield* Fiber.join(fiber)
      expect(run).toMatchObject({ status: "failed", failureClass: "AgentError", diagnostics: { limit: "timeout" } })
      expect((yield* runs.get(run.id)).limits).toMatchObject({ timeout: 2000 })
    }).pipe(Effect.provide(layer))
  )

  it.scoped("a transient failure is retried as a new attempt, with backoff; every attempt is a row", () =>
    Effect.gen(function* () {
      transientCalls = 0
      const { registry, runs } = yield* setup([manifest("net", ["transient"])])
      const fiber = yield* Effect.fork(registry.submit(request("transient")))
      yield* TestClock.adjust("10 seconds")
      const run = yield* Fiber.join(fiber)
      expect(run).toMatchObject({ status: "succeeded", attempt: 3 })
      const all = yield* runs.list({ sessionId: "s1" })
      expect(all.map((r) => [r.attempt, r.status, r.failureClass])).toEqual([
        [3, "succeeded", null],
        [2, "failed", "TransientError"],
        [1, "failed", "TransientError"]
      ])
      expect((yield* registry.list)[0]).toMatchObject({ circuit: "closed" })
    }).pipe(Effect.provide(layer))
  )

  it.scoped("a defect of a function is the harness's AgentError, never a crash", () =>
    Effect.gen(function* () {
      const { registry } = yield* setup([manifest("buggy", ["defect"])])
      const run = yield* registry.submit(request("defect"))
      expect(run).toMatchObject({ status: "failed", failureClass: "AgentError" })
      expect(run.failure).toContain("boom")
    }).pipe(Effect.provide(layer))
  )

  it.scoped("per-harness slots hold a run back while another harness serves a third session", () =>
    Effect.gen(function* () {
      const { registry } = yield* setup([manifest("slow", ["hang"], { limits: { ...config.harness.limits, memory: 0, timeout: 5000 } }), manifest("quick", ["title-summary"])])
      const first = yield* Effect.fork(registry.submit(request("hang", { sessionId: "s1" })))
      const second = yield* Effect.fork(registry.submit(request("hang", { sessionId: "s2" })))
      yield* Effect.yieldNow()
      expect((yield* registry.list).find((h) => h.name === "slow")?.running).toHaveLength(1)
      expect(yield* registry.submit(request("title-summary", { sessionId: "s3" }))).toMatchObject({ status: "succeeded" })
      yield* TestClock.adjust("5 seconds")
      const r1 = yield* Fiber.join(first)
      expect((yield* registry.list).find((h) => h.name === "slow")?.running).toHaveLength(1)
      yield* TestClock.adjust("5 seconds")
      const r2 = yield* Fiber.join(second)
      expect([r1.startedAt, r2.startedAt]).toEqual([r1.queuedAt, (r1.endedAt ?? 0)])
    }).pipe(Effect.provide(layer))
  )

  it.scoped("an unknown session is refused before anything is queued", () =>
    Effect.gen(function* () {
      const { registry, runs } = yield* setup([manifest("quick", ["title-summary"])])
      const error = yield* Effect.flip(registry.submit(request("title-summary", { sessionId: "nope" })))
      expect(error._tag).toBe("SessionNotFound")
      expect(yield* runs.list({})).toEqual([])
      const done = yield* Deferred.make<void>()
      yield* Deferred.succeed(done, undefined)
    }).pipe(Effect.provide(layer))
  )
})
