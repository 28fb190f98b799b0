import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Ref, TestClock } from "effect"
import { Behavior, ChildSpec, DynamicSupervisor, Registry, type Reply, Supervisor } from "../../src/actor/index.js"
import { awaitSleepUntil, makeRecorder, quiet, type Recorder, settle } from "./helpers.js"

type CounterMsg = { readonly _tag: "Add" } | { readonly _tag: "Get"; readonly reply: Reply.Reply<number> }
const Add: CounterMsg = { _tag: "Add" }
const GetCount = (reply: Reply.Reply<number>): CounterMsg => ({ _tag: "Get", reply })

/** Counters whose state the owner keeps in `store`, restored by `load` and kept by `save`. */
const counters = (recorder: Recorder, store: Ref.Ref<ReadonlyMap<string, number>>, saving?: Deferred.Deferred<void>) =>
  ChildSpec.template(Behavior.persistent<number, CounterMsg>({
    load: (id) =>
      Effect.flatMap(Ref.get(store), (saved) => Effect.as(recorder.record(`load ${id}=${saved.get(id) ?? 0}`), saved.get(id) ?? 0)),
    save: (id, state, reason) =>
      Effect.gen(function*() {
        yield* recorder.record(`save ${id}=${state} (${reason._tag})`)
        if (saving !== undefined) yield* Deferred.await(saving)
        yield* Ref.update(store, (saved) => new Map([...saved, [id, state]]))
        yield* recorder.record(`saved ${id}`)
      }),
    receive: (count, message) =>
      message._tag === "Add" ? Effect.succeed(count + 1) : Effect.as(message.reply.succeed(count), count)
  }))

describe("Registry", () => {
  it.scoped("starts the actor of a key on its first message and keeps one actor per key", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const store = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
      const supervisor = yield* DynamicSupervisor.start("counters", { template: counters(recorder, store) })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute" })
      yield* registry.tell("a", Add)
      yield* registry.tell("a", Add)
      yield* registry.tell("b", Add)
      expect(yield* registry.ask("a", GetCount)).toBe(2)
      expect(yield* registry.ask("b", GetCount)).toBe(1)
      expect(yield* registry.size).toBe(2)
      expect(recorder.log).toEqual(["load a=0", "load b=0"])
    })))

  it.scoped("passivates an idle actor and restores its state through the owner's callback on the next message", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const store = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
      const supervisor = yield* DynamicSupervisor.start("counters", { template: counters(recorder, store) })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute", sweepInterval: "1 minute" })
      yield* registry.tell("a", Add)
      yield* registry.tell("a", Add)
      expect(yield* registry.ask("a", GetCount)).toBe(2)
      yield* awaitSleepUntil(60_000)
      yield* TestClock.adjust("59999 millis")
      yield* settle
      expect(yield* registry.size).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* recorder.waitFor("saved a")
      yield* Effect.repeat(registry.size, { until: (size) => size === 0 })
      expect(yield* DynamicSupervisor.size(supervisor)).toBe(0)
      yield* registry.tell("a", Add)
      expect(yield* registry.ask("a", GetCount)).toBe(3)
      expect(recorder.log).toEqual(["load a=0", "save a=2 (Idle)", "saved a", "load a=2"])
    })))

  it.scoped("a message sent while the actor is being passivated waits until its state is saved", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const store = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
      const saving = yield* Deferred.make<void>()
      const supervisor = yield* DynamicSupervisor.start("counters", { template: counters(recorder, store, saving) })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute", sweepInterval: "1 minute" })
      yield* registry.tell("a", Add)
      expect(yield* registry.ask("a", GetCount)).toBe(1)
      yield* awaitSleepUntil(60_000)
      yield* TestClock.adjust("1 minute")
      yield* recorder.waitFor("save a=1 (Idle)")
      const late = yield* Effect.fork(registry.tell("a", Add))
      yield* settle
      expect(recorder.log).toEqual(["load a=0", "save a=1 (Idle)"])
      yield* Deferred.succeed(saving, undefined)
      yield* recorder.waitFor("load a=1")
      yield* late.await
      expect(yield* registry.ask("a", GetCount)).toBe(2)
      expect(recorder.log).toEqual(["load a=0", "save a=1 (Idle)", "saved a", "load a=1"])
    })))

  it.scoped("an actor that keeps receiving messages is not passivated", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const store = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
      const supervisor = yield* DynamicSupervisor.start("counters", { template: counters(recorder, store) })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute", sweepInterval: "1 minute" })
      yield* registry.tell("a", Add)
      for (let i = 1; i <= 4; i++) {
        yield* TestClock.adjust("30 seconds")
        yield* registry.tell("a", Add)
        expect(yield* registry.ask("a", GetCount)).toBe(i + 1)
      }
      expect(recorder.log).toEqual(["load a=0"])
    })))

  it.scoped("an entity whose init fails on activation is restarted and gets its queued messages", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      let inits = 0
      const template = ChildSpec.template(Behavior.make({
        init: (context) =>
          Effect.suspend(() => (++inits === 1 ? Effect.fail("not yet") : Effect.as(recorder.record(`init ${context.id}`), 0))),
        receive: (count: number, message: CounterMsg) =>
          message._tag === "Add" ? Effect.succeed(count + 1) : Effect.as(message.reply.succeed(count), count)
      }))
      const supervisor = yield* DynamicSupervisor.start("flaky", { template })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute" })
      yield* registry.tell("a", Add)
      expect(yield* registry.ask("a", GetCount)).toBe(1)
      expect(inits).toBe(2)
      const snapshot = yield* Supervisor.snapshot(supervisor)
      expect(snapshot.children[0]).toMatchObject({ id: "a", restarts: 1, lastFailure: { kind: "error", message: "not yet" } })
    })))

  it.scoped("an entity address survives passivation", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const store = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
      const supervisor = yield* DynamicSupervisor.start("counters", { template: counters(recorder, store) })
      const registry = yield* Registry.make(supervisor, { idleTimeout: "1 minute" })
      const a = registry.ref("a")
      yield* a.tell(Add)
      expect(yield* a.ask(GetCount)).toBe(1)
      yield* TestClock.adjust("1 minute")
      yield* registry.passivateIdle
      yield* recorder.waitFor("saved a")
      yield* a.tell(Add)
      expect(yield* a.ask(GetCount)).toBe(2)
    })))
})
