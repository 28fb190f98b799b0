import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Metric, Schema, TestClock } from "effect"
import { ChildSpec, DeadLetters, Metrics, Snapshot, Supervisor } from "../../src/actor/index.js"
import { crash, crashOnce, Get, makeRecorder, probe, quiet, record } from "./helpers.js"

describe("Snapshot", () => {
  it.scoped("reflects kinds, states, restarts, last failures, mailbox depth and uptime, and survives JSON", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const busy = ChildSpec.worker("busy", probe("busy", recorder))
      const flaky = ChildSpec.worker("flaky", probe("flaky", recorder))
      const sub = ChildSpec.supervisor("sub", { strategy: "rest_for_one", children: [flaky] })
      const root = yield* Supervisor.start("snap", { strategy: "one_for_one", children: [busy, sub] })
      const busyRef = yield* Effect.orDie(Supervisor.lookup(root, busy))
      const flakyRef = yield* Effect.orDie(Supervisor.lookup(yield* Effect.orDie(Supervisor.lookupSupervisor(root, sub)), flaky))
      yield* flakyRef.tell(crashOnce())
      yield* flakyRef.ask(Get)
      yield* flakyRef.tell(crashOnce())
      yield* flakyRef.ask(Get)
      yield* TestClock.adjust("5 seconds")
      const latch = yield* Deferred.make<void>()
      yield* busyRef.tell({ _tag: "Block", until: latch })
      yield* busyRef.tell(record("1"))
      yield* busyRef.tell(record("2"))

      const snapshot = yield* Supervisor.snapshot(root)
      expect(snapshot).toMatchObject({ id: "snap", path: "snap", kind: "supervisor", strategy: "one_for_one", state: "running", childCount: 2 })
      const busyNode = Snapshot.find(snapshot, "snap/busy")
      expect(busyNode).toMatchObject({ kind: "worker", strategy: null, state: "running", restarts: 0, mailboxDepth: 3, uptimeMs: 5000, lastFailure: null })
      const flakyNode = Snapshot.find(snapshot, "snap/sub/flaky")
      expect(flakyNode).toMatchObject({ restarts: 2, state: "running", uptimeMs: 5000, lastFailure: { kind: "defect", tag: "Error", message: "flaky crashed", at: 0 } })
      expect(Snapshot.find(snapshot, "snap/sub")).toMatchObject({ kind: "supervisor", strategy: "rest_for_one", restarts: 0, childCount: 1 })
      expect(Snapshot.flatten(snapshot).map((node) => node.path)).toEqual(["snap", "snap/busy", "snap/sub", "snap/sub/flaky"])

      const wire = JSON.parse(JSON.stringify(Schema.encodeSync(Snapshot.ActorSnapshot)(snapshot)))
      expect(Schema.decodeUnknownSync(Snapshot.ActorSnapshot)(wire)).toEqual(snapshot)
      yield* Deferred.succeed(latch, undefined)
    })))

  it.scoped("truncates large child lists but keeps the count", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const children = ["a", "b", "c"].map((id) => ChildSpec.worker(id, probe(id, recorder)))
      const root = yield* Supervisor.start("big", { strategy: "one_for_one", children })
      const snapshot = yield* Supervisor.snapshot(root, { maxChildren: 2 })
      expect(snapshot.childCount).toBe(3)
      expect(snapshot.children.map((node) => node.id)).toEqual(["a", "b"])
    })))
})

describe("Metrics", () => {
  it.scoped("count restarts per supervisor, dead letters, and gauge the mailbox depth", () =>
    Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const worker = ChildSpec.worker("w", probe("w", recorder), { maxMessageKills: 2 })
      const root = yield* Supervisor.start("metered", { strategy: "one_for_one", children: [worker], intensity: 10 })
      const ref = yield* Effect.orDie(Supervisor.lookup(root, worker))
      const deadBefore = (yield* Metric.value(Metrics.deadLetters)).count
      yield* ref.tell(crash)
      yield* ref.ask(Get)
      const restarts = yield* Metric.value(Metric.tagged(Metrics.restarts, "supervisor", "metered"))
      expect(restarts.count).toBe(2)
      expect((yield* Metric.value(Metrics.deadLetters)).count - deadBefore).toBe(1)

      const latch = yield* Deferred.make<void>()
      yield* ref.tell({ _tag: "Block", until: latch })
      yield* ref.tell(record("x"))
      yield* Supervisor.snapshot(root)
      expect((yield* Metric.value(Metrics.mailboxDepth)).value).toBeGreaterThanOrEqual(2)
      yield* Deferred.succeed(latch, undefined)
      yield* ref.ask(Get)
      yield* Supervisor.snapshot(root)
      expect((yield* Metric.value(Metrics.mailboxDepth)).value).toBe(0)
    }).pipe(Effect.provide(DeadLetters.layerMemory()), quiet))
})
