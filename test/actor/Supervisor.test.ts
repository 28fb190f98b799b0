import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Metric, Option, Scope, TestClock } from "effect"
import {
  Actor,
  ActorError,
  type ActorFailure,
  Backoff,
  Behavior,
  ChildSpec,
  DeadLetters,
  Decider,
  Directive,
  ExitReason,
  Metrics,
  type Reply,
  Supervisor
} from "../../src/actor/index.js"
import {
  awaitSleepUntil,
  crash,
  crashOnce,
  forever,
  foreverOnce,
  Get,
  makeRecorder,
  probe,
  type ProbeMsg,
  quiet,
  record,
  type Recorder,
  settle,
  stop
} from "./helpers.js"

const workers = (recorder: Recorder, ids: ReadonlyArray<string>, options?: ChildSpec.WorkerOptions<unknown>) =>
  ids.map((id) => ChildSpec.worker(id, probe(id, recorder), options))

const refs = (supervisor: Supervisor.Supervisor, specs: ReadonlyArray<ChildSpec.WorkerSpec<ProbeMsg>>) =>
  Effect.forEach(specs, (spec) => Effect.orDie(Supervisor.lookup(supervisor, spec)))

const incarnation = (ref: Actor.ActorRef<ProbeMsg>) => Effect.map(Effect.orDie(ref.ask(Get)), (state) => state.incarnation)

/** A decider that records what it is asked and always restarts. */
const recordingDecider = () => {
  const calls: Array<ActorFailure.ActorFailure<unknown>> = []
  const decider: Decider.Decider<unknown> = (failure) => {
    calls.push(failure)
    return Directive.restart
  }
  return { calls, decider }
}

describe("Supervisor", () => {
  it.effect("starts children in order, each after the previous one's init, and stops them in reverse order", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const scope = yield* Scope.make()
      const children = [
        ChildSpec.worker("a", probe("a", recorder, { initSleep: "1 second" })),
        ChildSpec.worker("b", probe("b", recorder)),
        ChildSpec.worker("c", probe("c", recorder))
      ]
      const starting = yield* Effect.fork(Scope.extend(Supervisor.start("root", { strategy: "one_for_one", children }), scope))
      yield* awaitSleepUntil(1000)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(starting)
      expect(recorder.log).toEqual(["a:init@1000", "b:init@1000", "c:init@1000"])
      yield* Scope.close(scope, Exit.void)
      expect(recorder.log.slice(3)).toEqual([
        "c:terminate:Shutdown",
        "c:release",
        "b:terminate:Shutdown",
        "b:release",
        "a:terminate:Shutdown",
        "a:release"
      ])
    })))

  describe("strategies", () => {
    it.scoped("one_for_one restarts only the failed child", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a", "b", "c"])
        const supervisor = yield* Supervisor.start("root", { strategy: "one_for_one", children: specs })
        const [a, b, c] = yield* refs(supervisor, specs)
        if (a === undefined || b === undefined || c === undefined) return yield* Effect.die("missing child")
        yield* Effect.forEach([a, b, c], (ref) => ref.tell(record("x")), { discard: true })
        yield* b.tell(crashOnce())
        expect(yield* Effect.orDie(b.ask(Get))).toMatchObject({ incarnation: 2, received: ["crash"] })
        expect(yield* Effect.orDie(a.ask(Get))).toMatchObject({ incarnation: 1, received: ["x"] })
        expect(yield* Effect.orDie(c.ask(Get))).toMatchObject({ incarnation: 1, received: ["x"] })
        expect(recorder.log.filter((event) => event.includes("terminate"))).toEqual(["b:terminate:Failure(Defect)"])
      })))

    it.scoped("one_for_all stops the others in reverse order and restarts all in order", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a", "b", "c"])
        const supervisor = yield* Supervisor.start("root", { strategy: "one_for_all", children: specs })
        const [a, b, c] = yield* refs(supervisor, specs)
        if (a === undefined || b === undefined || c === undefined) return yield* Effect.die("missing child")
        yield* b.tell(crashOnce())
        expect(yield* incarnation(b)).toBe(2)
        expect(yield* incarnation(a)).toBe(2)
        expect(yield* incarnation(c)).toBe(2)
        expect(recorder.log.slice(3)).toEqual([
          "b:terminate:Failure(Defect)",
          "b:release",
          "c:terminate:Shutdown",
          "c:release",
          "a:terminate:Shutdown",
          "a:release",
          "a:init@0",
          "b:init@0",
          "c:init@0"
        ])
      })))

    it.scoped("rest_for_one restarts the failed child and those started after it", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a", "b", "c", "d"])
        const supervisor = yield* Supervisor.start("root", { strategy: "rest_for_one", children: specs })
        const [a, b, c, d] = yield* refs(supervisor, specs)
        if (a === undefined || b === undefined || c === undefined || d === undefined) return yield* Effect.die("missing child")
        yield* b.tell(crashOnce())
        expect(yield* incarnation(b)).toBe(2)
        expect(yield* incarnation(c)).toBe(2)
        expect(yield* incarnation(d)).toBe(2)
        expect(yield* incarnation(a)).toBe(1)
        expect(recorder.log.slice(4)).toEqual([
          "b:terminate:Failure(Defect)",
          "b:release",
          "d:terminate:Shutdown",
          "d:release",
          "c:terminate:Shutdown",
          "c:release",
          "b:init@0",
          "c:init@0",
          "d:init@0"
        ])
      })))
  })

  describe("restart types under each strategy", () => {
    const strategies: ReadonlyArray<Supervisor.Strategy> = ["one_for_one", "one_for_all", "rest_for_one"]
    const types: ReadonlyArray<ChildSpec.RestartType> = ["permanent", "transient", "temporary"]
    const exits = ["normal", "failure", "killed"] as const
    const restarts = (type: ChildSpec.RestartType, exit: (typeof exits)[number]) =>
      type === "permanent" || (type === "transient" && exit !== "normal")
    for (const strategy of strategies) {
      for (const type of types) {
        for (const exit of exits) {
          const expected = restarts(type, exit)
          it.scoped(`${strategy}: a ${type} child ${expected ? "is" : "is not"} restarted after a ${exit} exit`, () =>
            quiet(Effect.gen(function*() {
              const recorder = yield* makeRecorder
              const sibling = ChildSpec.worker("sibling", probe("sibling", recorder))
              const child = ChildSpec.worker("child", probe("child", recorder), { restart: type })
              const supervisor = yield* Supervisor.start("root", { strategy, children: [sibling, child] })
              const siblingRef = yield* Effect.orDie(Supervisor.lookup(supervisor, sibling))
              const childRef = yield* Effect.orDie(Supervisor.lookup(supervisor, child))
              if (exit === "normal") yield* Effect.orDie(childRef.tell(stop))
              if (exit === "failure") yield* Effect.orDie(childRef.tell({ _tag: "Fail", error: "boom", once: { fired: false } }))
              if (exit === "killed") {
                yield* Effect.orDie(childRef.tell(foreverOnce()))
                yield* recorder.waitFor("child:forever")
                yield* Actor.kill(childRef)
              }
              if (expected) {
                expect(yield* incarnation(childRef)).toBe(2)
              } else {
                const reason = yield* childRef.awaitExit
                expect(reason._tag).toBe(exit === "normal" ? "Normal" : exit === "failure" ? "Failure" : "Killed")
                const snapshot = yield* Supervisor.snapshot(supervisor)
                expect(snapshot.children[1]?.state).toBe("stopped")
                const late = yield* Effect.either(childRef.tell(record("late")))
                expect(late._tag).toBe("Left")
              }
              // Only one_for_all restarts the sibling (it was started before the child).
              expect(yield* incarnation(siblingRef)).toBe(expected && strategy === "one_for_all" ? 2 : 1)
            })))
        }
      }
    }

    it.scoped("one_for_all: a temporary sibling is stopped for good, not restarted, when another child fails", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const temporary = ChildSpec.worker("tmp", probe("tmp", recorder), { restart: "temporary" })
        const failing = ChildSpec.worker("p", probe("p", recorder))
        const supervisor = yield* Supervisor.start("root", { strategy: "one_for_all", children: [temporary, failing] })
        const tmp = yield* Effect.orDie(Supervisor.lookup(supervisor, temporary))
        const p = yield* Effect.orDie(Supervisor.lookup(supervisor, failing))
        yield* p.tell(crashOnce())
        expect(yield* incarnation(p)).toBe(2)
        expect(yield* tmp.awaitExit).toEqual(ExitReason.Shutdown)
        expect(recorder.log.filter((event) => event.startsWith("tmp:init"))).toHaveLength(1)
      })))

    it.scoped("one_for_all: a transient sibling is restarted with the group", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const transient = ChildSpec.worker("tr", probe("tr", recorder), { restart: "transient" })
        const failing = ChildSpec.worker("p", probe("p", recorder))
        const supervisor = yield* Supervisor.start("root", { strategy: "one_for_all", children: [transient, failing] })
        const tr = yield* Effect.orDie(Supervisor.lookup(supervisor, transient))
        const p = yield* Effect.orDie(Supervisor.lookup(supervisor, failing))
        yield* p.tell(crashOnce())
        expect(yield* incarnation(p)).toBe(2)
        expect(yield* incarnation(tr)).toBe(2)
      })))
  })

  describe("intensity", () => {
    it.scoped("exceeding it stops the children in reverse order and escalates to the parent exactly once", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const parent = recordingDecider()
        const specs = workers(recorder, ["a", "b", "c"])
        const sub = ChildSpec.supervisor("sub", { strategy: "one_for_one", children: specs, intensity: 2, period: "10 seconds" })
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sub], intensity: 10, decider: parent.decider })
        const subHandle = yield* Effect.orDie(Supervisor.lookupSupervisor(root, sub))
        const [, , c] = yield* refs(subHandle, specs)
        if (c === undefined) return yield* Effect.die("missing child")
        yield* c.tell(crashOnce())
        expect(yield* incarnation(c)).toBe(2)
        yield* c.tell(crashOnce())
        expect(yield* incarnation(c)).toBe(3)
        const before = recorder.log.length
        yield* c.tell(crashOnce())
        // The third restart is one too many: the subtree stops and the root restarts it once.
        expect(yield* incarnation(c)).toBe(4)
        expect(recorder.log.slice(before)).toEqual([
          "c:terminate:Failure(Defect)",
          "c:release",
          "b:terminate:Shutdown",
          "b:release",
          "a:terminate:Shutdown",
          "a:release",
          "a:init@0",
          "b:init@0",
          "c:init@0"
        ])
        expect(parent.calls).toHaveLength(1)
        const [call] = parent.calls
        expect(call?._tag === "Error" && call.error instanceof ActorError.RestartIntensityExceeded && call.error.supervisor).toBe("root/sub")
        const escalations = yield* Metric.value(Metric.tagged(Metrics.escalations, "supervisor", "root/sub"))
        expect(escalations.count).toBe(1)
        const snapshot = yield* Supervisor.snapshot(root)
        expect(snapshot.children[0]?.restarts).toBe(1)
      })))

    it.scoped("a root that exceeds it ends with RestartIntensityExceeded", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a", "b"])
        const root = yield* Supervisor.start("lone", { strategy: "one_for_one", children: specs, intensity: 1 })
        const [a, b] = yield* refs(root, specs)
        if (a === undefined || b === undefined) return yield* Effect.die("missing child")
        yield* b.tell(crashOnce())
        expect(yield* incarnation(b)).toBe(2)
        yield* b.tell(crashOnce())
        const reason = yield* Supervisor.awaitExit(root)
        expect(reason._tag === "Failure" && reason.failure._tag === "Error" && reason.failure.error instanceof ActorError.RestartIntensityExceeded).toBe(true)
        expect(yield* a.awaitExit).toEqual(ExitReason.Shutdown)
        expect(recorder.log.slice(-4)).toEqual(["b:terminate:Failure(Defect)", "b:release", "a:terminate:Shutdown", "a:release"])
      })))

    it.scoped("only restarts within the period count", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a"])
        const root = yield* Supervisor.start("windowed", { strategy: "one_for_one", children: specs, intensity: 1, period: "10 seconds" })
        const [a] = yield* refs(root, specs)
        if (a === undefined) return yield* Effect.die("missing child")
        yield* a.tell(crashOnce())
        expect(yield* incarnation(a)).toBe(2)
        yield* TestClock.adjust("10 seconds")
        yield* a.tell(crashOnce())
        expect(yield* incarnation(a)).toBe(3)
        yield* TestClock.adjust("9999 millis")
        yield* a.tell(crashOnce())
        const reason = yield* Supervisor.awaitExit(root)
        expect(reason._tag).toBe("Failure")
      })))
  })

  describe("shutdown", () => {
    it.effect("a child that overruns its shutdown timeout is killed when it runs out", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const scope = yield* Scope.make()
        const slow = ChildSpec.worker("slow", probe("slow", recorder, { hangInTerminate: true }), { shutdown: ChildSpec.timeout("1 second") })
        const fast = ChildSpec.worker("fast", probe("fast", recorder))
        const root = yield* Scope.extend(Supervisor.start("root", { strategy: "one_for_one", children: [slow, fast] }), scope)
        const slowRef = yield* Effect.orDie(Supervisor.lookup(root, slow))
        const monitor = yield* Effect.fork(slowRef.awaitExit)
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* recorder.waitFor("slow:terminate:Shutdown")
        yield* awaitSleepUntil(1000)
        yield* TestClock.adjust("999 millis")
        yield* settle
        expect(Option.isNone(yield* Fiber.poll(closing))).toBe(true)
        expect(recorder.log).not.toContain("slow:release")
        yield* TestClock.adjust("1 millis")
        yield* Fiber.join(closing)
        expect(recorder.log.slice(2)).toEqual(["fast:terminate:Shutdown", "fast:release", "slow:terminate:Shutdown", "slow:release"])
        expect(yield* Fiber.join(monitor)).toEqual(ExitReason.Killed)
      })))

    it.effect("brutal kills at once: no terminate hook, resources still released", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const scope = yield* Scope.make()
        const busy = ChildSpec.worker("busy", probe("busy", recorder), { shutdown: ChildSpec.brutal })
        const root = yield* Scope.extend(Supervisor.start("root", { strategy: "one_for_one", children: [busy] }), scope)
        const ref = yield* Effect.orDie(Supervisor.lookup(root, busy))
        yield* ref.tell(forever)
        yield* recorder.waitFor("busy:forever")
        yield* Scope.close(scope, Exit.void)
        expect(recorder.log).toEqual(["busy:init@0", "busy:forever", "busy:release"])
        expect(yield* ref.awaitExit).toEqual(ExitReason.Killed)
      })))

    it.effect("a graceful shutdown lets the current message finish within the budget", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const scope = yield* Scope.make()
        const worker = ChildSpec.worker(
          "w",
          Behavior.make({
            init: () => Effect.succeed(0),
            receive: (state: number, _message: "work") => Effect.as(Effect.zipRight(Effect.sleep("500 millis"), recorder.record("work done")), state + 1),
            terminate: (state) => recorder.record(`terminate after ${state}`)
          }),
          { shutdown: ChildSpec.timeout("1 second") }
        )
        const root = yield* Scope.extend(Supervisor.start("root", { strategy: "one_for_one", children: [worker] }), scope)
        const ref = yield* Effect.orDie(Supervisor.lookup(root, worker))
        yield* ref.tell("work")
        yield* awaitSleepUntil(500)
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* awaitSleepUntil(1000)
        yield* TestClock.adjust("500 millis")
        yield* Fiber.join(closing)
        expect(recorder.log).toEqual(["work done", "terminate after 1"])
        expect(yield* ref.awaitExit).toEqual(ExitReason.Shutdown)
      })))
  })

  describe("init failures", () => {
    it.effect("a child failing in init fails the supervisor's start and stops those already started", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const children = [
          ChildSpec.worker("a", probe("a", recorder)),
          ChildSpec.worker("b", probe("b", recorder, { failInit: () => "no config" })),
          ChildSpec.worker("c", probe("c", recorder))
        ]
        const result = yield* Effect.either(Effect.scoped(Supervisor.start("root", { strategy: "one_for_one", children })))
        expect(result._tag === "Left" && result.left.actor).toBe("root/b")
        expect(result._tag === "Left" && result.left.failure).toEqual({ _tag: "Error", error: "no config" })
        expect(recorder.log).toEqual(["a:init@0", "b:init-failed@0", "a:terminate:Shutdown", "a:release"])
      })))

    it.scoped("a child failing in init on restart counts towards intensity", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = [ChildSpec.worker("a", probe("a", recorder, { failInit: (n) => (n > 1 ? "broken" : undefined) }))]
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: specs, intensity: 3 })
        const [a] = yield* refs(root, specs)
        if (a === undefined) return yield* Effect.die("missing child")
        yield* a.tell(crash)
        const reason = yield* Supervisor.awaitExit(root)
        expect(reason._tag === "Failure" && reason.failure._tag === "Error" && reason.failure.error instanceof ActorError.RestartIntensityExceeded).toBe(true)
        expect(recorder.log.filter((event) => event.startsWith("a:init-failed"))).toHaveLength(3)
      })))

    it.scoped("an init failure the decider retries in place does not restart", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const worker = ChildSpec.worker("a", probe("a", recorder, { failInit: (n) => (n < 3 ? "busy" : undefined) }), {
          decider: Decider.retryThenRestart(Backoff.make({ min: "10 millis", max: "10 millis" }), 5)
        })
        const starting = yield* Effect.fork(Supervisor.start("root", { strategy: "one_for_one", children: [worker] }))
        yield* awaitSleepUntil(10)
        yield* TestClock.adjust("10 millis")
        yield* awaitSleepUntil(20)
        yield* TestClock.adjust("10 millis")
        const root = yield* Fiber.join(starting)
        expect(recorder.log).toEqual(["a:init-failed@0", "a:init-failed@10", "a:init@20"])
        const snapshot = yield* Supervisor.snapshot(root)
        expect(snapshot.children[0]?.restarts).toBe(0)
      })))
  })

  it.scoped("Actor.stop on a supervised child stops it for good through its supervisor", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["a", "b"])
      const root = yield* Supervisor.start("root", { strategy: "one_for_all", children: specs })
      const [a, b] = yield* refs(root, specs)
      if (a === undefined || b === undefined) return yield* Effect.die("missing child")
      yield* Actor.stop(a)
      expect(yield* a.awaitExit).toEqual(ExitReason.Shutdown)
      expect(yield* incarnation(b)).toBe(1)
      const snapshot = yield* Supervisor.snapshot(root)
      expect(snapshot.children.map((node) => [node.id, node.state, node.restarts])).toEqual([["a", "stopped", 0], ["b", "running", 0]])
    })))

  it.scoped("messages sent while a child restarts are kept, in order", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["p"])
      const root = yield* Supervisor.start("root", {
        strategy: "one_for_one",
        children: specs,
        backoff: Backoff.make({ min: "1 second", max: "1 second" })
      })
      const [p] = yield* refs(root, specs)
      if (p === undefined) return yield* Effect.die("missing child")
      yield* p.tell(crashOnce())
      yield* awaitSleepUntil(1000)
      yield* Effect.forEach(["a", "b", "c"], (label) => p.tell(record(label)), { discard: true })
      const during = yield* Supervisor.snapshot(root)
      expect(during.children[0]).toMatchObject({ state: "restarting", mailboxDepth: 4 })
      yield* TestClock.adjust("1 second")
      const state = yield* Effect.orDie(p.ask(Get))
      expect(state).toMatchObject({ incarnation: 2, received: ["crash", "a", "b", "c"] })
    })))

  describe("directives", () => {
    it.scoped("Escalate fails the supervisor with the child's own failure", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const parent = recordingDecider()
        const escalating: Decider.Decider<unknown> = (failure) =>
          failure._tag === "Error" && failure.error === "fatal" ? Directive.escalate : Directive.restart
        const specs = workers(recorder, ["a", "b"], { decider: escalating })
        const sub = ChildSpec.supervisor("sub", { strategy: "one_for_one", children: specs })
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sub], decider: parent.decider })
        const subHandle = yield* Effect.orDie(Supervisor.lookupSupervisor(root, sub))
        const [a, b] = yield* refs(subHandle, specs)
        if (a === undefined || b === undefined) return yield* Effect.die("missing child")
        yield* b.tell({ _tag: "Fail", error: "fatal", once: { fired: false } })
        expect(yield* incarnation(b)).toBe(2)
        expect(parent.calls).toEqual([{ _tag: "Error", error: "fatal" }])
        expect(yield* incarnation(a)).toBe(2)
      })))

    it.scoped("Escalate from every level reaches the root at once", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const specs = workers(recorder, ["a"])
        const sub = ChildSpec.supervisor("sub", { strategy: "one_for_one", children: specs, decider: Decider.alwaysEscalate }, {
          decider: Decider.alwaysEscalate
        })
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sub], intensity: 100 })
        const subHandle = yield* Effect.orDie(Supervisor.lookupSupervisor(root, sub))
        const [a] = yield* refs(subHandle, specs)
        if (a === undefined) return yield* Effect.die("missing child")
        yield* a.tell({ _tag: "Fail", error: "disk full", once: { fired: false } })
        const reason = yield* Supervisor.awaitExit(root)
        expect(reason).toEqual(ExitReason.Failure({ _tag: "Error", error: "disk full" }))
        expect(recorder.log.slice(-2)).toEqual(["a:terminate:Failure(Error)", "a:release"])
      })))

    it.scoped("Stop ends a permanent child for good and dead-letters what it had queued", () =>
      Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const worker = ChildSpec.worker("p", probe("p", recorder), { decider: Decider.alwaysStop })
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [worker] })
        const p = yield* Effect.orDie(Supervisor.lookup(root, worker))
        yield* p.tell({ _tag: "Fail", error: { _tag: "ConfigError", message: "bad yaml" } })
        yield* p.tell(record("queued"))
        const reason = yield* p.awaitExit
        expect(reason._tag).toBe("Failure")
        const snapshot = yield* Supervisor.snapshot(root)
        expect(snapshot.children[0]).toMatchObject({
          state: "stopped",
          restarts: 0,
          lastFailure: { kind: "error", tag: "ConfigError", message: "bad yaml" }
        })
        const log = yield* DeadLetters.DeadLetterLog
        const letters = yield* log.entries
        expect(letters.map((letter) => [letter.reason, letter.message])).toEqual([
          ["Undelivered", { _tag: "Fail", error: { _tag: "ConfigError", message: "bad yaml" } }],
          ["Undelivered", record("queued")]
        ])
      }).pipe(Effect.provide(DeadLetters.layerMemory()), quiet))
  })

  it.scoped("restart backoff grows from min to max, then starts again from min after reset-after", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["p"])
      const root = yield* Supervisor.start("root", {
        strategy: "one_for_one",
        children: specs,
        intensity: 100,
        backoff: Backoff.make({ min: "100 millis", max: "400 millis", jitter: 0, resetAfter: "1 second" })
      })
      const [p] = yield* refs(root, specs)
      if (p === undefined) return yield* Effect.die("missing child")
      const crashAndRestartAt = (at: number) =>
        Effect.gen(function*() {
          yield* p.tell(crashOnce())
          yield* awaitSleepUntil(at)
          const now = yield* TestClock.currentTimeMillis
          yield* TestClock.adjust(at - now)
          yield* incarnation(p)
        })
      yield* crashAndRestartAt(100)
      yield* crashAndRestartAt(300)
      yield* crashAndRestartAt(700)
      yield* crashAndRestartAt(1100)
      yield* TestClock.adjust("1 second")
      yield* crashAndRestartAt(2200)
      expect(recorder.log.filter((event) => event.startsWith("p:init"))).toEqual([
        "p:init@0",
        "p:init@100",
        "p:init@300",
        "p:init@700",
        "p:init@1100",
        "p:init@2200"
      ])
    })))

  it.scoped("a message that kills its actor maxMessageKills times is dead-lettered and the actor goes on", () =>
    Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["p"], { maxMessageKills: 3 })
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: specs, intensity: 10 })
      const [p] = yield* refs(root, specs)
      if (p === undefined) return yield* Effect.die("missing child")
      yield* p.tell(crash)
      yield* p.tell(record("after"))
      const state = yield* Effect.orDie(p.ask(Get))
      expect(state).toMatchObject({ incarnation: 4, received: ["after"] })
      const letters = yield* Effect.flatMap(DeadLetters.DeadLetterLog, (log) => log.entries)
      expect(letters).toHaveLength(1)
      expect(letters[0]).toMatchObject({ actor: "root/p", reason: "Poison", kills: 3, message: crash, failure: { kind: "defect", tag: "Error" } })
      const snapshot = yield* Supervisor.snapshot(root)
      expect(snapshot.children[0]).toMatchObject({ restarts: 3, deadLetters: 1 })
    }).pipe(Effect.provide(DeadLetters.layerMemory()), quiet))

  it.scoped("a message that hangs its actor counts as a kill each time the actor is killed while handling it", () =>
    Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["p"], { maxMessageKills: 2 })
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: specs })
      const [p] = yield* refs(root, specs)
      if (p === undefined) return yield* Effect.die("missing child")
      yield* p.tell(forever)
      yield* p.tell(record("after"))
      yield* recorder.waitFor("p:forever")
      yield* Actor.kill(p)
      yield* recorder.waitFor("p:forever")
      yield* Actor.kill(p)
      expect(yield* Effect.orDie(p.ask(Get))).toMatchObject({ incarnation: 3, received: ["after"] })
      const letters = yield* Effect.flatMap(DeadLetters.DeadLetterLog, (log) => log.entries)
      expect(letters.map((letter) => [letter.reason, letter.kills, letter.message])).toEqual([["Poison", 2, forever]])
    }).pipe(Effect.provide(DeadLetters.layerMemory()), quiet))

  it.scoped("an ask whose message is dead-lettered fails with MessageDeadLettered", () =>
    quiet(Effect.gen(function*() {
      const worker = ChildSpec.worker(
        "poisoned",
        Behavior.make({
          init: () => Effect.succeed(0),
          receive: (_state: number, _message: { readonly reply: Reply.Reply<number> }): Effect.Effect<number> => Effect.die("always")
        }),
        { maxMessageKills: 2 }
      )
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [worker], intensity: 10 })
      const ref = yield* Effect.orDie(Supervisor.lookup(root, worker))
      const result = yield* Effect.either(ref.ask((reply: Reply.Reply<number>) => ({ reply })))
      expect(result._tag === "Left" && result.left._tag).toBe("MessageDeadLettered")
    })))

  it.effect("interrupting the root stops the whole tree and leaves no fiber behind", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const fibers: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
      const background = ChildSpec.worker(
        "bg",
        Behavior.make({
          init: () =>
            Effect.gen(function*() {
              fibers.push(yield* Effect.forkScoped(Effect.never))
              yield* Effect.addFinalizer(() => recorder.record("bg:release"))
              return 0
            }),
          receive: (state: number, _message: never) => Effect.succeed(state),
          terminate: () => recorder.record("bg:terminate")
        })
      )
      const busy = ChildSpec.worker(
        "busy",
        Behavior.make({
          init: () => Effect.as(Effect.addFinalizer(() => recorder.record("busy:release")), 0),
          receive: (_state: number, _message: "work") =>
            Effect.withFiberRuntime<number>((fiber) => {
              fibers.push(fiber)
              return Effect.never
            })
        }),
        { shutdown: ChildSpec.brutal }
      )
      const sub = ChildSpec.supervisor("sub", { strategy: "one_for_all", children: [ChildSpec.worker("a", probe("a", recorder)), background] })
      const running = yield* Effect.fork(Effect.scoped(Effect.gen(function*() {
        const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sub, busy] })
        const busyRef = yield* Effect.orDie(Supervisor.lookup(root, busy))
        yield* busyRef.tell("work")
        return yield* Effect.never
      })))
      yield* Effect.repeat(Effect.sync(() => fibers.length), { until: (n) => n === 2 })
      yield* Fiber.interrupt(running)
      expect(recorder.log.slice(1)).toEqual(["busy:release", "bg:terminate", "bg:release", "a:terminate:Shutdown", "a:release"])
      for (const fiber of fibers) expect(Option.isSome(yield* Fiber.poll(fiber))).toBe(true)
    })))
})

describe("Supervisor with a dead-letter port", () => {
  it.scoped("publishes dead letters to the DeadLetters service it is given", () => {
    const published: Array<DeadLetters.DeadLetter> = []
    const port = Layer.succeed(DeadLetters.DeadLetters, {
      publish: (letter) =>
        Effect.sync(() => {
          published.push(letter)
        })
    })
    return Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const specs = workers(recorder, ["p"], { maxMessageKills: 1 })
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: specs })
      const [p] = yield* refs(root, specs)
      if (p === undefined) return yield* Effect.die("missing child")
      yield* p.tell(crash)
      expect(yield* incarnation(p)).toBe(2)
      expect(published.map((letter) => [letter.actor, letter.reason, letter.kills])).toEqual([["root/p", "Poison", 1]])
    }).pipe(Effect.provide(port), quiet)
  })
})
