import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { Behavior, ChildSpec, DynamicSupervisor, ExitReason, Supervisor } from "../../src/actor/index.js"
import { crashOnce, Get, makeRecorder, probe, type ProbeMsg, type ProbeState, quiet, stop } from "./helpers.js"

const recordingTemplate = (recorder: Parameters<typeof probe>[1], options?: ChildSpec.WorkerOptions<unknown>) => {
  const behaviors = new Map<string, ReturnType<typeof probe>>()
  // One behaviour per id so that each child's incarnations are numbered separately.
  const behaviorOf = (id: string) => {
    const existing = behaviors.get(id)
    if (existing !== undefined) return existing
    const made = probe(id, recorder)
    behaviors.set(id, made)
    return made
  }
  return ChildSpec.template(
    Behavior.make<ProbeState, ProbeMsg, unknown>({
      init: (context) => behaviorOf(context.id).init(context),
      receive: (state, message, context) => behaviorOf(state.id).receive(state, message, context),
      terminate: (state, reason, context) => behaviorOf(state.id).terminate?.(state, reason, context) ?? Effect.void
    }),
    options
  )
}

describe("DynamicSupervisor", () => {
  it.scoped("startChild waits for init and returns the child's address", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const supervisor = yield* DynamicSupervisor.start("sessions", { template: recordingTemplate(recorder) })
      const a = yield* DynamicSupervisor.startChild(supervisor, "a")
      expect(recorder.log).toEqual(["a:init@0"])
      expect(a.path).toBe("sessions/a")
      expect((yield* a.ask(Get)).incarnation).toBe(1)
      expect(yield* DynamicSupervisor.size(supervisor)).toBe(1)
      const duplicate = yield* Effect.either(DynamicSupervisor.startChild(supervisor, "a"))
      expect(duplicate._tag === "Left" && duplicate.left._tag).toBe("ChildAlreadyStarted")
    })))

  it.scoped("a child whose init fails is not kept and not restarted", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const supervisor = yield* DynamicSupervisor.start("sessions", {
        template: ChildSpec.template(probe("x", recorder, { failInit: () => "bad" }))
      })
      const result = yield* Effect.either(DynamicSupervisor.startChild(supervisor, "x"))
      expect(result._tag === "Left" && result.left._tag).toBe("StartFailed")
      expect(yield* DynamicSupervisor.size(supervisor)).toBe(0)
      expect(recorder.log).toEqual(["x:init-failed@0"])
    })))

  it.scoped("a failed child is restarted alone", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const supervisor = yield* DynamicSupervisor.start("sessions", { template: recordingTemplate(recorder) })
      const a = yield* DynamicSupervisor.startChild(supervisor, "a")
      const b = yield* DynamicSupervisor.startChild(supervisor, "b")
      yield* b.tell(crashOnce())
      expect((yield* b.ask(Get)).incarnation).toBe(2)
      expect((yield* a.ask(Get)).incarnation).toBe(1)
    })))

  it.scoped("children are transient by default: a normal exit removes the child", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const supervisor = yield* DynamicSupervisor.start("sessions", { template: recordingTemplate(recorder) })
      const a = yield* DynamicSupervisor.startChild(supervisor, "a")
      yield* a.tell(stop)
      expect(yield* a.awaitExit).toEqual(ExitReason.Normal)
      expect(yield* DynamicSupervisor.size(supervisor)).toBe(0)
      expect(Option.isNone(yield* DynamicSupervisor.lookup(supervisor, "a"))).toBe(true)
    })))

  it.scoped("terminateChild stops a child for good", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const supervisor = yield* DynamicSupervisor.start("sessions", { template: recordingTemplate(recorder) })
      yield* DynamicSupervisor.startChild(supervisor, "a")
      expect(yield* DynamicSupervisor.terminateChild(supervisor, "a")).toBe(true)
      expect(recorder.log).toEqual(["a:init@0", "a:terminate:Shutdown", "a:release"])
      expect(yield* DynamicSupervisor.size(supervisor)).toBe(0)
      expect(yield* DynamicSupervisor.terminateChild(supervisor, "a")).toBe(false)
    })))

  it.effect("closing its scope stops all children, in reverse start order", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const scope = yield* Scope.make()
      const supervisor = yield* Scope.extend(
        DynamicSupervisor.start("sessions", { template: recordingTemplate(recorder), shutdownConcurrency: 1 }),
        scope
      )
      for (const id of ["a", "b", "c"]) yield* DynamicSupervisor.startChild(supervisor, id)
      yield* Scope.close(scope, Exit.void)
      expect(recorder.log.filter((event) => event.includes("terminate"))).toEqual([
        "c:terminate:Shutdown",
        "b:terminate:Shutdown",
        "a:terminate:Shutdown"
      ])
    })))

  it.scoped("nested in a tree, it loses its children when it is restarted", () =>
    quiet(Effect.gen(function*() {
      const recorder = yield* makeRecorder
      const sessions = ChildSpec.dynamic("sessions", { template: recordingTemplate(recorder), intensity: 0 })
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sessions] })
      const dynamic = yield* Supervisor.lookupDynamic(root, sessions)
      const a = yield* DynamicSupervisor.startChild(dynamic, "a")
      const b = yield* DynamicSupervisor.startChild(dynamic, "b")
      // Intensity 0: the first restart is one too many, so the dynamic supervisor itself restarts.
      yield* b.tell(crashOnce())
      expect(yield* a.awaitExit).toEqual(ExitReason.Shutdown)
      expect(yield* DynamicSupervisor.size(dynamic)).toBe(0)
      // The request waits in the supervisor's mailbox until it has restarted.
      const again = yield* DynamicSupervisor.startChild(dynamic, "a")
      expect((yield* again.ask(Get)).incarnation).toBe(2)
      const snapshot = yield* Supervisor.snapshot(root)
      expect(snapshot.children[0]).toMatchObject({ id: "sessions", restarts: 1, strategy: "dynamic", childCount: 1 })
    })))
})
