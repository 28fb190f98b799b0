import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope, TestClock } from "effect"
import {
  Actor,
  ActorError,
  ActorFailure,
  Backoff,
  Behavior,
  ChildSpec,
  Decider,
  Directive,
  ExitReason,
  Reply,
  Supervisor
} from "../../src/actor/index.js"
import { crash, fail, forever, Get, makeRecorder, probe, type ProbeMsg, quiet, record, settle, stop } from "./helpers.js"

describe("Actor", () => {
  it.scoped("handles messages in order, one at a time", () =>
    quiet(Effect.gen(function*() {
      let running = 0
      let maxRunning = 0
      const seen: Array<number> = []
      const ref = yield* Actor.spawn(Behavior.make({
        init: () => Effect.succeed(0),
        receive: (state: number, n: number) =>
          Effect.gen(function*() {
            running++
            maxRunning = Math.max(maxRunning, running)
            yield* Effect.yieldNow()
            seen.push(n)
            running--
            return state + n
          })
      }))
      yield* Effect.forEach([1, 2, 3, 4, 5], (n) => ref.tell(n), { concurrency: "unbounded", discard: true })
      yield* Effect.forEach([6, 7, 8], (n) => ref.tell(n), { discard: true })
      const waiter = yield* Actor.spawn(Behavior.make({ init: () => Effect.succeed(0), receive: (s: number) => Effect.succeed(s) }))
      yield* waiter.tell(0)
      yield* Effect.repeat(Effect.sync(() => seen.length), { until: (n) => n === 8 })
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(maxRunning).toBe(1)
    })))

  it.scoped("ask returns the reply from the handler", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const ref = yield* Actor.spawn(probe("p", recorder))
      yield* ref.tell(record("a"))
      const state = yield* ref.ask(Get)
      expect(state.received).toEqual(["a"])
    })))

  it.scoped("ask fails with AskTimeout exactly when its timeout elapses", () =>
    quiet(Effect.gen(function*() {
      const silent = yield* Actor.spawn(Behavior.make({
        init: () => Effect.succeed(0),
        receive: (state: number, _message: { readonly reply: Reply.Reply<number> }) => Effect.succeed(state)
      }))
      const asking = yield* Effect.fork(silent.ask((reply: Reply.Reply<number>) => ({ reply }), { timeout: "1 second" }))
      yield* TestClock.adjust("999 millis")
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(asking))).toBe(true)
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.await(asking)
      expect(exit).toEqual(Exit.fail(new ActorError.AskTimeout({ actor: silent.path, timeoutMillis: 1000 })))
    })))

  it.scoped("a reply can carry the request's typed error", () =>
    quiet(Effect.gen(function*() {
      type Msg = { readonly n: number; readonly reply: Reply.Reply<number, "negative"> }
      const ref = yield* Actor.spawn(Behavior.make({
        init: () => Effect.succeed(0),
        receive: (state: number, message: Msg) =>
          Effect.as(message.n < 0 ? message.reply.fail("negative") : message.reply.succeed(message.n * 2), state)
      }))
      expect(yield* ref.ask((reply: Reply.Reply<number, "negative">) => ({ n: 2, reply }))).toBe(4)
      const failed = yield* Effect.either(ref.ask((reply: Reply.Reply<number, "negative">) => ({ n: -1, reply })))
      expect(failed._tag === "Left" && failed.left).toBe("negative")
    })))

  it.scoped("tell waits while the mailbox is full and tryTell fails with MailboxFull", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const latch = yield* Deferred.make<void>()
      const ref = yield* Actor.spawn(probe("p", recorder), { capacity: 2 })
      yield* ref.tell({ _tag: "Block", until: latch })
      yield* ref.tell(record("b"))
      const third = yield* Effect.fork(ref.tell(record("c")))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(third))).toBe(true)
      const full = yield* Effect.either(ref.tryTell(record("d")))
      expect(full._tag === "Left" && full.left._tag).toBe("MailboxFull")
      yield* Deferred.succeed(latch, undefined)
      yield* Fiber.join(third)
      const state = yield* ref.ask(Get)
      expect(state.received).toEqual(["block", "b", "c"])
    })))

  it.scoped("an ask waiting for mailbox space times out too", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const ref = yield* Actor.spawn(probe("p", recorder), { capacity: 1, shutdown: ChildSpec.brutal })
      yield* ref.tell(forever)
      const asking = yield* Effect.fork(ref.ask(Get, { timeout: "1 second" }))
      yield* settle
      expect(Option.isNone(yield* Fiber.poll(asking))).toBe(true)
      yield* TestClock.adjust("1 second")
      const result = yield* Effect.either(Fiber.join(asking))
      expect(result._tag === "Left" && result.left._tag).toBe("AskTimeout")
    })))

  it.scoped("asks still queued when the actor stops fail with ActorStopped", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const latch = yield* Deferred.make<void>()
      const ref = yield* Actor.spawn(probe("p", recorder))
      yield* ref.tell({ _tag: "Block", until: latch })
      yield* ref.tell(stop)
      const asking = yield* Effect.fork(ref.ask(Get))
      yield* settle
      yield* Deferred.succeed(latch, undefined)
      const result = yield* Effect.either(Fiber.join(asking))
      expect(result._tag === "Left" && result.left._tag).toBe("ActorStopped")
      const again = yield* Effect.either(ref.tell(record("late")))
      expect(again._tag === "Left" && again.left._tag).toBe("ActorStopped")
    })))

  describe("init and terminate hooks; init's resources are released on every exit path", () => {
    const cases: ReadonlyArray<{
      readonly path: string
      readonly end: (ref: Actor.ActorRef<ProbeMsg>, scope: Scope.CloseableScope) => Effect.Effect<void>
      readonly terminate: string | undefined
      readonly exit: string
    }> = [
      { path: "self-stop", end: (ref) => Effect.orDie(ref.tell(stop)), terminate: "p:terminate:Normal", exit: "Normal" },
      { path: "failure", end: (ref) => Effect.orDie(ref.tell(fail("boom"))), terminate: "p:terminate:Failure(Error)", exit: "Failure" },
      { path: "defect", end: (ref) => Effect.orDie(ref.tell(crash)), terminate: "p:terminate:Failure(Defect)", exit: "Failure" },
      { path: "kill", end: (ref) => Actor.kill(ref), terminate: undefined, exit: "Killed" },
      { path: "scope close", end: (_ref, scope) => Scope.close(scope, Exit.void), terminate: "p:terminate:Shutdown", exit: "Shutdown" },
      { path: "stop by address", end: (ref) => Actor.stop(ref), terminate: "p:terminate:Shutdown", exit: "Shutdown" }
    ]
    for (const testCase of cases) {
      it.effect(testCase.path, () =>
        quiet(Effect.gen(function*() {
          const recorder = yield* makeRecorder
          const scope = yield* Scope.make()
          const ref = yield* Scope.extend(Actor.spawn(probe("p", recorder)), scope)
          expect(recorder.log).toEqual(["p:init@0"])
          yield* testCase.end(ref, scope)
          const reason = yield* ref.awaitExit
          expect(reason._tag).toBe(testCase.exit)
          expect(recorder.log).toEqual(
            testCase.terminate === undefined ? ["p:init@0", "p:release"] : ["p:init@0", testCase.terminate, "p:release"]
          )
          yield* Scope.close(scope, Exit.void)
        })))
    }
  })

  describe("monitors", () => {
    it.scoped("report a normal exit", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const ref = yield* Actor.spawn(probe("p", recorder))
        const monitor = yield* Effect.fork(Actor.awaitExit(ref))
        yield* ref.tell(stop)
        expect(yield* Fiber.join(monitor)).toEqual(ExitReason.Normal)
      })))

    it.scoped("report a failure with its error", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const ref = yield* Actor.spawn(probe("p", recorder))
        const monitor = yield* Effect.fork(Actor.awaitExit(ref))
        yield* ref.tell(fail("boom"))
        expect(yield* Fiber.join(monitor)).toEqual(ExitReason.Failure(ActorFailure.error("boom")))
      })))

    it.scoped("report a kill", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const ref = yield* Actor.spawn(probe("p", recorder), { shutdown: ChildSpec.brutal })
        const monitor = yield* Effect.fork(Actor.awaitExit(ref))
        yield* ref.tell(forever)
        yield* recorder.waitFor("p:forever")
        yield* Actor.kill(ref)
        expect(yield* Fiber.join(monitor)).toEqual(ExitReason.Killed)
        expect(recorder.log).toEqual(["p:init@0", "p:forever", "p:release"])
      })))

    it.scoped("answer at once for an actor that has already ended", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const ref = yield* Actor.spawn(probe("p", recorder))
        yield* ref.tell(stop)
        yield* ref.awaitExit
        expect(yield* Actor.awaitExit(ref)).toEqual(ExitReason.Normal)
      })))

    it.scoped("watch delivers a message to the watcher", () =>
      quiet(Effect.gen(function*() {
        const recorder = yield* makeRecorder
        const target = yield* Actor.spawn(probe("target", recorder))
        const watcher = yield* Actor.spawn(probe("watcher", recorder))
        yield* Actor.watch(target, watcher, (reason) => record(`down:${reason._tag}`))
        yield* target.tell(fail("boom"))
        yield* recorder.waitFor("watcher:down:Failure")
      })))
  })

  it.scoped("defects and thrown exceptions reach the decider as defects, typed errors as errors", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const seen: Array<ActorFailure.ActorFailure<unknown>> = []
      const decider: Decider.Decider<unknown> = (failure, context) => {
        seen.push(failure)
        return context.attempt === 1 ? Directive.retryInPlace(Backoff.none) : Directive.stop
      }
      const ref = yield* Actor.spawn(probe("p", recorder), { decider })
      const thrown = new Error("thrown")
      yield* ref.tell({ _tag: "Throw", error: thrown })
      yield* ref.awaitExit
      expect(seen.map((failure) => failure._tag)).toEqual(["Defect", "Defect"])
      expect(seen.every((failure) => failure._tag === "Defect" && failure.defect instanceof Error && failure.defect.message === "thrown")).toBe(true)

      const seen2: Array<ActorFailure.ActorFailure<unknown>> = []
      const ref2 = yield* Actor.spawn(probe("q", recorder), {
        decider: (failure) => {
          seen2.push(failure)
          return Directive.stop
        }
      })
      yield* ref2.tell(fail("typed"))
      yield* ref2.awaitExit
      expect(seen2).toEqual([ActorFailure.error("typed")])
    })))

  it.scoped("RetryInPlace retries the same message with backoff, keeps the state and does not restart", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const attempts: Array<number> = []
      let failuresLeft = 2
      const worker = ChildSpec.worker(
        "w",
        Behavior.make({
          init: () => Effect.as(recorder.record("init"), 0),
          receive: (state: number, message: "flaky" | "add" | { readonly reply: Reply.Reply<number> }) => {
            if (message === "add") return Effect.succeed(state + 1)
            if (message === "flaky") {
              return Effect.suspend(() => {
                if (failuresLeft-- > 0) return Effect.fail("busy")
                return Effect.as(recorder.record(`flaky handled with state ${state}`), state + 10)
              })
            }
            return Effect.as(message.reply.succeed(state), state)
          }
        }),
        {
          decider: (_failure, context) => {
            attempts.push(context.attempt)
            return context.attempt <= 3 ? Directive.retryInPlace(Backoff.make({ min: "100 millis", max: "1 second" })) : Directive.restart
          }
        }
      )
      const supervisor = yield* Supervisor.start("root", { strategy: "one_for_one", children: [worker] })
      const ref = yield* Supervisor.lookup(supervisor, worker)
      yield* ref.tell("add")
      yield* ref.tell("flaky")
      yield* Effect.repeat(Effect.sync(() => attempts.length), { until: (n) => n === 1 })
      yield* TestClock.adjust("99 millis")
      yield* settle
      expect(attempts).toEqual([1])
      yield* TestClock.adjust("1 millis")
      yield* Effect.repeat(Effect.sync(() => attempts.length), { until: (n) => n === 2 })
      // The second retry waits twice as long.
      yield* TestClock.adjust("199 millis")
      yield* settle
      expect(recorder.log).toEqual(["init"])
      yield* TestClock.adjust("1 millis")
      yield* recorder.waitFor("flaky handled with state 1")
      expect(yield* ref.ask((reply: Reply.Reply<number>) => ({ reply }))).toBe(11)
      expect(recorder.log).toEqual(["init", "flaky handled with state 1"])
      const snapshot = yield* Supervisor.snapshot(supervisor)
      expect(snapshot.children[0]?.restarts).toBe(0)
    })))
})
